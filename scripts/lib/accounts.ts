import { newApiKey, newId } from "@qr3/core";
import {
  deleteWorkspace as deleteWorkspaceRows,
  deletedSummaryPurges,
  getWorkspace,
  insertApiKey,
  insertWorkspace,
  listShortCodes,
  purgeScansOfDeleted,
  clearFinishedDeletions,
  revokeApiKey,
  setWorkspacePlan,
} from "@qr3/db";
import { PLANS, retentionDaysFor, type Plan } from "@qr3/schema";
import type { Target } from "./d1.ts";

export class UsageError extends Error {}

const isPlan = (value: string | undefined): value is Plan => PLANS.includes(value as Plan);

async function newKeyStatement(db: D1Database, workspaceId: string, now: string) {
  const { key, hash, prefix } = await newApiKey();
  const id = newId("key");
  return { key, id, statement: insertApiKey(db, { id, workspace_id: workspaceId, key_hash: hash, prefix, created_at: now }) };
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

export async function createWorkspace(db: D1Database, name: string | undefined, plan: string | undefined, retentionDays?: string) {
  if (!name?.trim() || name.length > 100) throw new UsageError("--name is required (1 to 100 characters)");
  const now = new Date().toISOString();
  const workspace = { id: newId("ws"), name: name.trim(), ...planAndRetention(plan, retentionDays), created_at: now };
  const { key, id, statement } = await newKeyStatement(db, workspace.id, now);
  await db.batch([insertWorkspace(db, workspace), statement]);
  return { workspace_id: workspace.id, api_key: key, key_id: id };
}

export async function createKey(db: D1Database, workspaceId: string | undefined) {
  if (!workspaceId) throw new UsageError("--workspace is required");
  if (!(await getWorkspace(db, workspaceId))) throw new UsageError(`workspace ${workspaceId} not found`);
  const { key, id, statement } = await newKeyStatement(db, workspaceId, new Date().toISOString());
  await db.batch([statement]);
  return { workspace_id: workspaceId, api_key: key, key_id: id };
}

export async function revokeKey(db: D1Database, keyId: string | undefined) {
  if (!keyId) throw new UsageError("--key is required (the key_id printed when the key was created)");
  if (!(await revokeApiKey(db, keyId, new Date().toISOString()))) throw new UsageError(`no active key ${keyId}`);
  return { key_id: keyId, revoked: true };
}

export async function setPlan(db: D1Database, workspaceId: string | undefined, plan: string | undefined, retentionDays?: string) {
  if (!workspaceId) throw new UsageError("--workspace is required");
  const chosen = planAndRetention(plan, retentionDays);
  if (!(await setWorkspacePlan(db, workspaceId, chosen.plan, chosen.retention_days))) {
    throw new UsageError(`workspace ${workspaceId} not found`);
  }
  return { workspace_id: workspaceId, ...chosen };
}

const SCAN_CHUNK = 5000;

/**
 * Deletes a workspace and everything of it: its rows in one transaction, then its codes' KV records
 * (so nothing redirects or records any more), then its scans in bounded chunks. D1 first: should
 * it fail, nothing has changed and the command can simply be run again; should a KV removal fail
 * (or a request of the API's write a record back meanwhile), the marks the deleted codes left
 * make the ingest cron's link sweep remove the records within minutes.
 */
export async function deleteWorkspace(target: Target, workspaceId: string | undefined) {
  if (!workspaceId) throw new UsageError("--workspace is required");
  const workspace = await getWorkspace(target.db, workspaceId);
  if (!workspace) throw new UsageError(`workspace ${workspaceId} not found`);
  const codes = await listShortCodes(target.db, workspaceId);
  await deleteWorkspaceRows(target.db, workspaceId, new Date().toISOString());
  await target.deleteLinks(codes);
  let scans = 0;
  for (let deleted = SCAN_CHUNK; deleted === SCAN_CHUNK; ) {
    deleted = await purgeScansOfDeleted(target.db, "workspace", SCAN_CHUNK);
    scans += deleted;
  }
  for (const step of deletedSummaryPurges(target.db, SCAN_CHUNK)) {
    while ((await step.run()) === SCAN_CHUNK);
  }
  await clearFinishedDeletions(target.db);
  return { workspace_id: workspaceId, deleted: true, codes: codes.length, scans };
}
