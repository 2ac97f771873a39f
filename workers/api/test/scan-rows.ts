import { env } from "cloudflare:workers";
import type { ScanRow } from "@qr3/schema";
import { scanRow, storeScanRows } from "../../../test/fixtures.ts";

export { scanRow };

/** Stores rows as the ingest worker does; folded into the summaries unless `fold` is false. */
export const storeScans = (rows: ScanRow[], options?: { fold?: boolean }) => storeScanRows(env.DB, rows, options);
