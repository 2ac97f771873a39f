import { env } from "cloudflare:workers";
import { shardDb } from "@qr3/core";
import { workspaceShards } from "@qr3/db";
import type { ScanRow } from "@qr3/schema";
import { scanRow, storeScanRows } from "../../../test/fixtures.ts";

export { scanRow };

/**
 * Stores rows as the ingest worker does: grouped by their workspaces' shards (looked up in the
 * control database), each shard's rows in that shard, the shards side by side; folded into the
 * summaries unless `fold` is false.
 */
export async function storeScans(rows: ScanRow[], options?: { fold?: boolean }): Promise<void> {
  const shards = await workspaceShards(env.CONTROL, [...new Set(rows.map((r) => r.workspace_id))]);
  const byShard = Map.groupBy(rows, (r) => {
    const shard = shards.get(r.workspace_id);
    if (shard === undefined) throw new Error(`no workspace ${r.workspace_id}`);
    return shard;
  });
  await Promise.all([...byShard].map(([shard, group]) => storeScanRows(shardDb(env, shard), group, options)));
}
