import { env } from "cloudflare:workers";
import type { ScanRow } from "@qr3/schema";
import { scanRow, storeScanRows } from "../../../test/fixtures.ts";

export { scanRow };

export const storeScans = (rows: ScanRow[]) => storeScanRows(env.DB, rows);
