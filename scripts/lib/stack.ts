// Starts the whole local stack: migrations, demo data, and the three workers behind the dev
// gateway in one `wrangler dev` process. Used by `pnpm dev` and by the end-to-end tests.
import { spawn, type ChildProcess } from "node:child_process";
import { buildDashboard } from "../build-dashboard.ts";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { getWorkspace } from "@qr3/db";
import { createWorkspace } from "./accounts.ts";
import { ROOT, WRANGLER_ENV, applyLocalMigrations, openLocal } from "./d1.ts";

export const CONFIGS = [
  "dev/gateway/wrangler.toml",
  "wrangler.redirect.toml",
  "wrangler.ingest.toml",
  "wrangler.api.toml",
].map((c) => join(ROOT, c));

export interface Demo {
  workspace_id: string;
  api_key: string;
  code_id?: string;
}

export interface StackOptions {
  persistTo?: string;
  port?: number;
  /** Where wrangler's output goes; inherits the terminal by default. */
  output?: "inherit" | "ignore" | ((chunk: string) => void);
  /**
   * Runs a copy of the sources taken at start, not the working tree. wrangler dev restarts the
   * runtime whenever a source or config file of a worker changes, and its local queues live in
   * memory: a restart drops every scan that is in flight. `pnpm dev` wants those reloads; tests
   * and benchmarks want their scans, whatever is edited while they run.
   */
  snapshot?: boolean;
  /** Changes a config file of the snapshot (by its name, e.g. "wrangler.ingest.toml") for one run. */
  editConfig?: (name: string, toml: string) => string;
}

export interface Stack {
  origin: string;
  demo: Required<Demo> & { short_code: string };
  process: ChildProcess;
  stop(): Promise<void>;
}

const DEMO_SHORT_CODE = "demo";

// What the workers are built from: the configs with .dev.vars, and the sources they import. The
// packages' node_modules hold relative links, into the copy itself or into the root's node_modules.
const SNAPSHOT_DIRS = ["workers", "packages", "dev", "migrations"];
const SNAPSHOT_FILES = ["package.json", "tsconfig.base.json", ".dev.vars"];
const SKIPPED = new Set([".wrangler", ".vite-temp"]);

function takeSnapshot(edit: StackOptions["editConfig"]): { root: string; configs: string[]; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), "qr3-stack-"));
  for (const dir of SNAPSHOT_DIRS) {
    cpSync(join(ROOT, dir), join(root, dir), { recursive: true, verbatimSymlinks: true, filter: (src) => !SKIPPED.has(basename(src)) });
  }
  for (const file of [...SNAPSHOT_FILES, ...CONFIGS.map((c) => relative(ROOT, c))]) {
    if (existsSync(join(ROOT, file))) cpSync(join(ROOT, file), join(root, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
  const configs = CONFIGS.map((c) => join(root, relative(ROOT, c)));
  if (edit) for (const config of configs) writeFileSync(config, edit(relative(root, config), readFileSync(config, "utf8")));
  // workerd may still be writing its temporary files as wrangler exits.
  return { root, configs, remove: () => rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The demo workspace and key, created once per local state and remembered beside it. */
async function ensureDemoAccount(persistTo: string): Promise<Demo> {
  const file = join(persistTo, "demo.json");
  const target = await openLocal(persistTo);
  try {
    if (existsSync(file)) {
      const demo = JSON.parse(readFileSync(file, "utf8")) as Demo;
      if (await getWorkspace(target.db, demo.workspace_id)) return demo;
    }
    const created = await createWorkspace(target.db, "Demo workspace", "pro");
    const demo: Demo = { workspace_id: created.workspace_id, api_key: created.api_key };
    writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
    return demo;
  } finally {
    await target.close();
  }
}

async function waitUntilReady(origin: string, key: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${origin}/v1/codes?limit=1`, { headers: { authorization: `Bearer ${key}` } });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the local stack did not answer on ${origin} within ${timeoutMs / 1000} s`);
}

/** The demo code, created through the public API so that it lands in D1 and KV alike. */
async function ensureDemoCode(origin: string, demo: Demo): Promise<{ code_id: string; short_code: string }> {
  const headers = { authorization: `Bearer ${demo.api_key}`, "content-type": "application/json" };
  if (demo.code_id) {
    const res = await fetch(`${origin}/v1/codes/${demo.code_id}`, { headers });
    if (res.status === 200) {
      const { data } = (await res.json()) as { data: { id: string; short_code: string } };
      return { code_id: data.id, short_code: data.short_code };
    }
  }
  const res = await fetch(`${origin}/v1/codes`, {
    method: "POST",
    headers,
    body: JSON.stringify({ url: "https://example.com/?utm_source=qr3-demo", short_code: DEMO_SHORT_CODE }),
  });
  if (res.status !== 201) throw new Error(`creating the demo code failed: ${res.status} ${await res.text()}`);
  const { data } = (await res.json()) as { data: { id: string; short_code: string } };
  return { code_id: data.id, short_code: data.short_code };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const persistTo = options.persistTo ?? join(ROOT, ".wrangler/state");
  const port = options.port ?? 8787;
  // The test run builds the dashboard once, before any worker starts (vitest.config.ts).
  if (!process.env.VITEST) buildDashboard();
  mkdirSync(persistTo, { recursive: true });
  applyLocalMigrations(persistTo);
  const demo = await ensureDemoAccount(persistTo);

  const tree = options.snapshot ? takeSnapshot(options.editConfig) : { root: ROOT, configs: CONFIGS, remove: () => {} };
  const args = ["dev", ...tree.configs.flatMap((c) => ["-c", c]), "--ip", "127.0.0.1", "--port", String(port)];
  args.push("--persist-to", persistTo, "--inspector-port", String(await freePort()), "--show-interactive-dev-session=false");
  const output = options.output ?? "inherit";
  const child = spawn("wrangler", args, {
    cwd: tree.root,
    env: WRANGLER_ENV,
    stdio: ["ignore", typeof output === "function" ? "pipe" : output, typeof output === "function" ? "pipe" : output],
    detached: true, // its own process group, so stop() ends workerd too
  });
  if (typeof output === "function") {
    child.stdout?.setEncoding("utf8").on("data", output);
    child.stderr?.setEncoding("utf8").on("data", output);
  }
  child.once("exit", () => tree.remove());
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        resolve();
      }
    });

  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(origin, demo.api_key, child);
    const code = await ensureDemoCode(origin, demo);
    writeFileSync(join(persistTo, "demo.json"), JSON.stringify({ ...demo, code_id: code.code_id }, null, 2), { mode: 0o600 });
    return { origin, demo: { ...demo, ...code }, process: child, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
