import { shortCodesOf, type CountEntry } from "@qr3/db";
import { shortCodeOf } from "../present.ts";

/** The ranked codes as the answer lists them: a code deleted within the window still counts in the totals, but is no longer listed. */
export async function topCodes(db: D1Database, workspaceId: string, ranked: readonly CountEntry[]) {
  const shortCodes = await shortCodesOf(db, workspaceId, ranked.map((c) => c.value));
  return ranked.filter((c) => shortCodes.has(c.value)).map((c) => ({ value: c.value, short_code: shortCodeOf({ short_code: shortCodes.get(c.value)! }), count: c.count }));
}
