// The workers log one JSON object per line ({"event": ..., ...}); wrangler and Miniflare wrap the
// lines in colour codes and labels. This finds them in captured output.

/** Every logged object of `event` in `output`, parsed, in order. */
export function loggedEvents<T = Record<string, unknown>>(output: string, event: string): T[] {
  const marker = `{"event":"${event}"`;
  const found: T[] = [];
  for (let at = output.indexOf(marker); at !== -1; at = output.indexOf(marker, at + marker.length)) {
    // JSON escapes newlines and control characters, so the object ends where the line or its colour does.
    const length = output.slice(at).search(/[\n\u001b]/);
    found.push(JSON.parse(length === -1 ? output.slice(at) : output.slice(at, at + length)) as T);
  }
  return found;
}

/** The redirector's line for a batch of scans it could not hand to the queue. */
export interface EnqueueFailure {
  scans: number;
  scan_ids: string[];
}
