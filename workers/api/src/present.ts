import type { CodeRow } from "@qr3/db";

/** A code as the API shows it. */
export function presentCode(code: CodeRow, publicBaseUrl: string) {
  return {
    id: code.id,
    short_code: code.short_code,
    short_url: `${publicBaseUrl.replace(/\/+$/, "")}/${code.short_code}`,
    url: code.url,
    status: code.status,
    total_scans: code.total_scans,
    created_at: code.created_at,
    updated_at: code.updated_at,
  };
}
