// The record the API writes to KV for each short code and the redirector reads: everything a
// redirect needs, so a scan costs one KV read and no D1 query.
export type LinkStatus = "active" | "disabled";

export interface LinkRecord {
  code_id: string;
  workspace_id: string;
  url: string;
  status: LinkStatus;
}

export function linkKey(shortCode: string): string {
  return `code:${shortCode}`;
}
