import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { newApiKey, newId } from "@qr3/core";
import { insertApiKey } from "@qr3/db";
import type { Plan } from "@qr3/schema";
import { seedWorkspace } from "../../../test/fixtures.ts";
import worker from "../src/index.ts";

/** A workspace (on the next shard in turn, or on `shard`) and an API key of it; `db` is its shard's database. */
export async function seedKey(plan: Plan = "pro", name = "Acme", shard?: number) {
  const workspace = await seedWorkspace(env, plan, name, undefined, shard);
  const { key, hash, prefix } = await newApiKey();
  const keyId = newId("key");
  await insertApiKey(env.CONTROL, { id: keyId, workspace_id: workspace.id, key_hash: hash, prefix, created_at: new Date().toISOString() }).run();
  return { workspace, key, keyId, db: workspace.db };
}

export interface CallOptions {
  method?: string;
  key?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

function requestInit(options: CallOptions): RequestInit {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  return { method: options.method ?? "GET", headers, body: body ?? null };
}

async function read(response: Response) {
  const text = await response.text();
  const json: Json = text ? JSON.parse(text) : null;
  return { status: response.status, headers: response.headers, json };
}

/** Calls the API worker through its real fetch handler. */
export async function call(path: string, options: CallOptions = {}) {
  return read(await exports.default.fetch(`https://api.qr3.test${path}`, requestInit(options)));
}

/** Calls the worker's fetch handler in this isolate, with some of its bindings replaced. */
export async function callWithEnv(bindings: Partial<Env>, path: string, options: CallOptions = {}) {
  const request = new Request(`https://api.qr3.test${path}`, requestInit(options)) as Request<unknown, IncomingRequestCfProperties>;
  return read(await worker.fetch(request, { ...env, ...bindings }, createExecutionContext()));
}
