import { newApiKey, newId } from "@qr3/core";
import { getWorkspace, insertApiKey, insertWorkspace, revokeApiKey } from "@qr3/db";
import { PLANS, type Plan } from "@qr3/schema";

export class UsageError extends Error {}

const isPlan = (value: string | undefined): value is Plan => PLANS.includes(value as Plan);

async function newKeyStatement(db: D1Database, workspaceId: string, now: string) {
  const { key, hash, prefix } = await newApiKey();
  const id = newId("key");
  return { key, id, statement: insertApiKey(db, { id, workspace_id: workspaceId, key_hash: hash, prefix, created_at: now }) };
}

export async function createWorkspace(db: D1Database, name: string | undefined, plan: string | undefined) {
  if (!name?.trim() || name.length > 100) throw new UsageError("--name is required (1 to 100 characters)");
  if (!isPlan(plan)) throw new UsageError(`--plan must be one of ${PLANS.join(", ")}`);
  const now = new Date().toISOString();
  const workspace = { id: newId("ws"), name: name.trim(), plan, created_at: now };
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
