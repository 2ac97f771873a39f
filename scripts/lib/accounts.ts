import { newApiKey, newId } from "@qr3/core";
import {
  clearFinishedDeletions,
  deleteWorkspace as deleteWorkspaceData,
  deleteWorkspaceRecord,
  deletedSummaryPurges,
  getWorkspace,
  insertApiKey,
  insertWorkspace,
  listShortCodes,
  purgeScansOfDeleted,
  revokeApiKey,
  setWorkspacePlan,
  shardSize,
  workspacesPerShard,
} from "@qr3/db";
import { PLANS, retentionDaysFor, type Plan } from "@qr3/schema";
import { SCOPES } from "@qr3/schema/api/scopes";
import type { Target } from "./d1.ts";

export class UsageError extends Error {}

const isPlan = (value: string | undefined): value is Plan => PLANS.includes(value as Plan);

/** The admin command's keys hold every scope: they are how a workspace gets its first key, which makes the others. */
async function newKeyStatement(db: D1Database, workspaceId: string, now: string) {
  const { key, hash, prefix } = await newApiKey();
  const id = newId("key");
  const row = { id, workspace_id: workspaceId, key_hash: hash, prefix, name: "Admin key", scopes: SCOPES, created_at: now };
  return { key, id, statement: insertApiKey(db, row) };
}

/** The plan and its retention, from --plan and --retention-days (enterprise only). */
function planAndRetention(plan: string | undefined, retentionDays: string | undefined): { plan: Plan; retention_days: number } {
  if (!isPlan(plan)) throw new UsageError(`--plan must be one of ${PLANS.join(", ")}`);
  if (retentionDays !== undefined && !/^\d{1,5}$/.test(retentionDays)) throw new UsageError("--retention-days must be a whole number of days");
  try {
    return { plan, retention_days: retentionDaysFor(plan, retentionDays === undefined ? undefined : Number(retentionDays)) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Per shard: its workspaces (from the control database), its scans and its size in bytes. */
export async function shardStats(target: Target) {
  const [workspaces, sizes] = await Promise.all([workspacesPerShard(target.control), Promise.all(target.shards.map(shardSize))]);
  return sizes.map((size, shard) => ({ shard, workspaces: workspaces.get(shard) ?? 0, scans: size.scans, bytes: size.bytes }));
}

/** --shard, if given: a shard of this deployment. Otherwise the shard with the fewest retained scans, the lowest number on a tie. */
async function chooseShard(target: Target, shard: string | undefined): Promise<number> {
  if (shard !== undefined) {
    if (!/^\d{1,4}$/.test(shard) || Number(shard) >= target.shards.length) {
      throw new UsageError(`--shard must be a shard number from 0 to ${target.shards.length - 1}`);
    }
    return Number(shard);
  }
  const sizes = await Promise.all(target.shards.map(shardSize));
  return sizes.reduce((best, size, n) => (size.scans < sizes[best]!.scans ? n : best), 0);
}

export async function createWorkspace(target: Target, name: string | undefined, plan: string | undefined, retentionDays?: string, shard?: string) {
  if (!name?.trim() || name.length > 100) throw new UsageError("--name is required (1 to 100 characters)");
  const chosen = planAndRetention(plan, retentionDays);
  const now = new Date().toISOString();
  const workspace = { id: newId("ws"), name: name.trim(), ...chosen, shard: await chooseShard(target, shard), created_at: now };
  const { key, id, statement } = await newKeyStatement(target.control, workspace.id, now);
  await target.control.batch([insertWorkspace(target.control, workspace), statement]);
  return { workspace_id: workspace.id, api_key: key, key_id: id, shard: workspace.shard };
}

export async function createKey(target: Target, workspaceId: string | undefined) {
  if (!workspaceId) throw new UsageError("--workspace is required");
  if (!(await getWorkspace(target.control, workspaceId))) throw new UsageError(`workspace ${workspaceId} not found`);
  const { key, id, statement } = await newKeyStatement(target.control, workspaceId, new Date().toISOString());
  await target.control.batch([statement]);
  return { workspace_id: workspaceId, api_key: key, key_id: id };
}

export async function revokeKey(target: Target, keyId: string | undefined) {
  if (!keyId) throw new UsageError("--key is required (the key_id printed when the key was created)");
  if (!(await revokeApiKey(target.control, keyId, new Date().toISOString()))) throw new UsageError(`no active key ${keyId}`);
  return { key_id: keyId, revoked: true };
}

export async function setPlan(target: Target, workspaceId: string | undefined, plan: string | undefined, retentionDays?: string) {
  if (!workspaceId) throw new UsageError("--workspace is required");
  const chosen = planAndRetention(plan, retentionDays);
  if (!(await setWorkspacePlan(target.control, workspaceId, chosen.plan, chosen.retention_days))) {
    throw new UsageError(`workspace ${workspaceId} not found`);
  }
  return { workspace_id: workspaceId, ...chosen };
}

const SCAN_CHUNK = 5000;

/**
 * Deletes a workspace and everything of it: its rows in its shard in one transaction, then its
 * codes' KV records (so nothing redirects or records any more), then its row in the control
 * database (with its keys and short codes), then its scans in bounded chunks. The shard first:
 * should any step fail, the workspace is still there and the command can simply be run again;
 * should a KV removal fail (or a request of the API's write a record back meanwhile), the marks
 * the deleted codes left make the ingest cron's link sweep remove the records within minutes.
 */
export async function deleteWorkspace(target: Target, workspaceId: string | undefined) {
  if (!workspaceId) throw new UsageError("--workspace is required");
  const workspace = await getWorkspace(target.control, workspaceId);
  if (!workspace) throw new UsageError(`workspace ${workspaceId} not found`);
  const db = target.shards[workspace.shard];
  if (!db) throw new Error(`workspace ${workspaceId} is on shard ${workspace.shard}, which this deployment does not bind`);
  const codes = await listShortCodes(db, workspaceId);
  await deleteWorkspaceData(db, workspaceId, new Date().toISOString());
  await target.deleteLinks(codes);
  await deleteWorkspaceRecord(target.control, workspaceId);
  let scans = 0;
  for (let deleted = SCAN_CHUNK; deleted === SCAN_CHUNK; ) {
    deleted = await purgeScansOfDeleted(db, SCAN_CHUNK);
    scans += deleted;
  }
  for (const step of deletedSummaryPurges(db, SCAN_CHUNK)) {
    while ((await step.run()) === SCAN_CHUNK);
  }
  await clearFinishedDeletions(db);
  return { workspace_id: workspaceId, deleted: true, shard: workspace.shard, codes: codes.length, scans };
}
