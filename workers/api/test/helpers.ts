import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { newApiKey, newId } from "@qr3/core";
import { insertApiKey } from "@qr3/db";
import type { Plan } from "@qr3/schema";
import { SCOPES, type Scope } from "@qr3/schema/api";
import { seedWorkspace, type SeededWorkspace } from "../../../test/fixtures.ts";
import { checkedFetch } from "../../../test/openapi/check.ts";
import worker from "../src/index.ts";

export interface KeyOptions {
  /** Every scope unless given. */
  scopes?: readonly Scope[];
  name?: string;
  expiresAt?: string | null;
}

/** One more API key of a workspace, stored as the API stores one. */
export async function addKey(workspace: Pick<SeededWorkspace, "id">, options: KeyOptions = {}) {
  const { key, hash, prefix } = await newApiKey();
  const keyId = newId("key");
  const row = { id: keyId, workspace_id: workspace.id, key_hash: hash, prefix, name: options.name ?? "Test key", scopes: options.scopes ?? SCOPES, created_at: new Date().toISOString(), expires_at: options.expiresAt ?? null };
  await insertApiKey(env.CONTROL, row).run();
  return { key, keyId };
}

/** A workspace (on the next shard in turn, or on `shard`) and an API key of it; `db` is its shard's database. */
export async function seedKey(plan: Plan = "pro", name = "Acme", shard?: number, keyOptions: KeyOptions = {}) {
  const workspace = await seedWorkspace(env, plan, name, undefined, shard);
  return { workspace, ...(await addKey(workspace, keyOptions)), db: workspace.db };
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

export const API_ORIGIN = "https://api.qr3.test";
const DOCUMENT = `${API_ORIGIN}/v1/openapi.json`;

/**
 * The API worker's real fetch handler, every answer checked against the API's OpenAPI document
 * (test/openapi/check.ts): a test fails on an answer the document does not describe.
 */
export const apiFetch = checkedFetch((url, init) => exports.default.fetch(url, init), DOCUMENT);

/** Calls the API worker through its real fetch handler. */
export async function call(path: string, options: CallOptions = {}) {
  return read(await apiFetch(`${API_ORIGIN}${path}`, requestInit(options)));
}

/**
 * The worker's fetch handler in this isolate, with some of its bindings replaced; its answers are
 * checked against the document too.
 */
export function fetchWithEnv(bindings: Partial<Env>) {
  return checkedFetch(
    (url, init) => worker.fetch(new Request(url, init) as Request<unknown, IncomingRequestCfProperties>, { ...env, ...bindings } as Env, createExecutionContext()),
    DOCUMENT,
  );
}

/** Calls the worker's fetch handler in this isolate, with some of its bindings replaced. */
export async function callWithEnv(bindings: Partial<Env>, path: string, options: CallOptions = {}) {
  return read(await fetchWithEnv(bindings)(`${API_ORIGIN}${path}`, requestInit(options)));
}
