import { linkKey, type LinkRecord } from "@qr3/core";
import type { CodeRow } from "@qr3/db";

// The redirector reads codes from KV only, so every change to a code in D1 is mirrored here.
export async function publishLink(kv: KVNamespace, code: CodeRow): Promise<void> {
  const record: LinkRecord = { code_id: code.id, workspace_id: code.workspace_id, url: code.url, status: code.status };
  await kv.put(linkKey(code.short_code), JSON.stringify(record));
}

export async function unpublishLink(kv: KVNamespace, shortCode: string): Promise<void> {
  await kv.delete(linkKey(shortCode));
}
