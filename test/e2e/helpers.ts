import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, startStack, type Stack, type StackOptions } from "../../scripts/lib/stack.ts";
import { checkedApi } from "./contract.ts";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;

/**
 * A fresh local stack in a temporary state directory, on a free port, running a snapshot of the
 * sources: an edit made meanwhile would otherwise restart it and drop the scans in flight.
 */
export async function startTestStack(
  options: Pick<StackOptions, "editConfig"> = {},
): Promise<{ stack: Stack; log: string[]; persistTo: string; cleanup: () => Promise<void> }> {
  const persistTo = mkdtempSync(join(tmpdir(), "qr3-e2e-"));
  const log: string[] = [];
  const stack = await startStack({ ...options, persistTo, port: await freePort(), output: (chunk) => log.push(chunk), snapshot: true });
  return {
    stack,
    log,
    persistTo,
    cleanup: async () => {
      await stack.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

/**
 * A JSON client of the stack's API with one key; every answer is checked against the OpenAPI
 * document the stack serves (contract.ts).
 */
/** A new workspace on the stack's local state (`pnpm admin create-workspace`): its API key, with every scope. */
export async function workspaceKey(persistTo: string, name: string, plan = "pro"): Promise<string> {
  const { stdout } = await run("node", ["scripts/admin.ts", "create-workspace", "--name", name, "--plan", plan, "--persist-to", persistTo], { cwd: ROOT });
  return JSON.parse(stdout).api_key as string;
}

export function apiClient(origin: string, key: string) {
  const api = checkedApi(origin);
  return async (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const res = await api(`${origin}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers },
      body: init.body === undefined ? null : JSON.stringify(init.body),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : null) as any };
  };
}

export async function waitFor<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    value = await read();
  }
  return value;
}

/**
 * Waits, if need be, until the local day in `tz` has at least `marginMs` left, so that a step
 * which makes scans and then reads "today" back does not straddle a midnight. The stack runs on
 * the real clock, which these tests cannot fake.
 */
export async function clearOfMidnight(marginMs = 60_000, tz = "UTC"): Promise<void> {
  const day = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: tz }).format(ms);
  while (day(Date.now()) !== day(Date.now() + marginMs)) await new Promise((r) => setTimeout(r, 1000));
}
