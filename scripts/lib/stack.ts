// Starts the whole local stack: migrations (the control database and every shard of
// config/shards.json), demo data, the three workers behind the dev gateway in one `wrangler
// dev` process, and the DNS-over-HTTPS server the API verifies branded domains with (dev-dns.ts).
// Used by `pnpm dev` and by the end-to-end tests.
import { spawn, type ChildProcess } from "node:child_process";
import { buildDashboard } from "../build-dashboard.ts";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { getWorkspace } from "@qr3/db";
import { createWorkspace } from "./accounts.ts";
import { ROOT, WRANGLER_ENV, withLocal, type Target } from "./d1.ts";
import { startDevDns, type DevDns } from "./dev-dns.ts";

export const CONFIGS = [
  "dev/gateway/wrangler.toml",
  "wrangler.redirect.toml",
  "wrangler.ingest.toml",
  "wrangler.api.toml",
].map((c) => join(ROOT, c));

/** A demo workspace with its key and code; there is one on every shard. */
export interface Demo {
  shard: number;
  workspace_id: string;
  api_key: string;
  code_id?: string;
}

export type DemoCode = Required<Demo> & { short_code: string };

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

/** The stack's DNS: what the API's DOH_URL resolves, set from the test or the terminal. */
export interface StackDns {
  /** The resolver's URL (the API worker's DOH_URL). */
  url: string;
  /** Its admin interface: GET/PUT/DELETE <origin>/records (dev-dns.ts). */
  origin: string;
  /** Sets a name's TXT values, replacing any it had; no values removes the name. */
  setTxt(name: string, values: string[]): void;
  /** Removes a name's records, or every record. */
  clear(name?: string): void;
}

export interface Stack {
  origin: string;
  /** The demo workspace on shard 0, whose key and code `pnpm dev` prints. */
  demo: DemoCode;
  /** The demo workspaces of every shard, by shard number (the first is `demo`). */
  demos: DemoCode[];
  dns: StackDns;
  process: ChildProcess;
  stop(): Promise<void>;
}

// Shard 0's demo code is "demo"; the other shards' are "demo-1", "demo-2", ...
const demoShortCode = (shard: number) => (shard === 0 ? "demo" : `demo-${shard}`);
const demoName = (shard: number) => (shard === 0 ? "Demo workspace" : `Demo workspace (shard ${shard})`);

// What the workers are built from: the configs with .dev.vars, and the sources they import. The
// packages' node_modules hold relative links, into the copy itself or into the root's node_modules.
const SNAPSHOT_DIRS = ["workers", "packages", "dev", "migrations", "config"];
const SNAPSHOT_FILES = ["package.json", "tsconfig.base.json", ".dev.vars"];
const SKIPPED = new Set([".wrangler", ".vite-temp"]);

const API_CONFIG = "wrangler.api.toml";
const DOH_URL_LINE = /^DOH_URL = "([^"]*)"$/m;

/** The URL the API worker's config gives as DOH_URL. */
function configuredDohUrl(toml: string): URL {
  const url = DOH_URL_LINE.exec(toml)?.[1];
  if (!url) throw new Error(`${API_CONFIG} has no DOH_URL = "..." line in its [vars]`);
  return new URL(url);
}

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

/**
 * The demo workspaces and keys, one pinned to each shard so that the local stack's data is spread
 * over all of them as a deployment's would be; created once per local state and remembered beside
 * it (demo.json), a shard added to config/shards.json gets its own on the next start.
 */
async function ensureDemoAccounts(target: Target, persistTo: string): Promise<Demo[]> {
  const file = join(persistTo, "demo.json");
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as unknown) : [];
  const known = Array.isArray(saved) ? (saved as Demo[]) : [];
  const demos: Demo[] = [];
  for (let shard = 0; shard < target.shards.length; shard++) {
    const demo = known.find((d) => d.shard === shard);
    if (demo && (await getWorkspace(target.control, demo.workspace_id))?.shard === shard) {
      demos.push(demo);
      continue;
    }
    const created = await createWorkspace(target, demoName(shard), "pro", undefined, String(shard));
    demos.push({ shard, workspace_id: created.workspace_id, api_key: created.api_key });
  }
  saveDemos(persistTo, demos);
  return demos;
}

function saveDemos(persistTo: string, demos: readonly Demo[]): void {
  writeFileSync(join(persistTo, "demo.json"), JSON.stringify(demos, null, 2), { mode: 0o600 });
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

/** A demo workspace's code, created through the public API so that it lands in D1 and KV alike. */
async function ensureDemoCode(origin: string, demo: Demo): Promise<DemoCode> {
  const headers = { authorization: `Bearer ${demo.api_key}`, "content-type": "application/json" };
  if (demo.code_id) {
    const res = await fetch(`${origin}/v1/codes/${demo.code_id}`, { headers });
    if (res.status === 200) {
      const { data } = (await res.json()) as { data: { id: string; short_code: string } };
      return { ...demo, code_id: data.id, short_code: data.short_code };
    }
  }
  const res = await fetch(`${origin}/v1/codes`, {
    method: "POST",
    headers,
    body: JSON.stringify({ url: `https://example.com/?utm_source=qr3-demo&utm_content=shard-${demo.shard}`, short_code: demoShortCode(demo.shard) }),
  });
  if (res.status !== 201) throw new Error(`creating the demo code of shard ${demo.shard} failed: ${res.status} ${await res.text()}`);
  const { data } = (await res.json()) as { data: { id: string; short_code: string } };
  return { ...demo, code_id: data.id, short_code: data.short_code };
}

/**
 * The stack's DNS server, its records kept beside the local state. The working tree's config
 * names its port (DOH_URL, 127.0.0.1:8788, for `pnpm dev`); a snapshot runs it on a free port and
 * points its own copy of the API's config there, since `wrangler dev --var` reaches only the
 * first config's worker (the gateway).
 */
async function startDns(persistTo: string, snapshot: boolean): Promise<{ dns: DevDns; edit?: (name: string, toml: string) => string }> {
  const file = join(persistTo, "dns.json");
  if (!snapshot) {
    const url = configuredDohUrl(readFileSync(join(ROOT, API_CONFIG), "utf8"));
    return { dns: await startDevDns({ host: url.hostname, port: Number(url.port), file }) };
  }
  const dns = await startDevDns({ port: 0, file });
  const edit = (name: string, toml: string) => {
    if (name !== API_CONFIG) return toml;
    configuredDohUrl(toml);
    return toml.replace(DOH_URL_LINE, `DOH_URL = "${dns.url}"`);
  };
  return { dns, edit };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const persistTo = options.persistTo ?? join(ROOT, ".wrangler/state");
  const port = options.port ?? 8787;
  // The test run builds the dashboard once, before any worker starts (vitest.config.ts).
  if (!process.env.VITEST) buildDashboard();
  mkdirSync(persistTo, { recursive: true });
  // The control database and every shard brought up to date, in one platform proxy.
  const accounts = await withLocal(persistTo, (target) => ensureDemoAccounts(target, persistTo));

  const { dns, edit: dnsEdit } = await startDns(persistTo, options.snapshot === true);
  // The stack's own edit first, so that a test's edit may still point DOH_URL elsewhere.
  const userEdit = options.editConfig;
  const editConfig = dnsEdit && userEdit ? (name: string, toml: string) => userEdit(name, dnsEdit(name, toml)) : (dnsEdit ?? userEdit);
  let tree: { root: string; configs: string[]; remove: () => void };
  try {
    tree = options.snapshot ? takeSnapshot(editConfig) : { root: ROOT, configs: CONFIGS, remove: () => {} };
  } catch (err) {
    await dns.close();
    throw err;
  }
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
  const stopWrangler = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        resolve();
      }
    });
  const stop = async () => {
    await stopWrangler();
    await dns.close();
  };

  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(origin, accounts[0]!.api_key, child);
    const demos: DemoCode[] = [];
    for (const account of accounts) demos.push(await ensureDemoCode(origin, account));
    saveDemos(persistTo, demos);
    const stackDns: StackDns = { url: dns.url, origin: dns.origin, setTxt: dns.setTxt, clear: dns.clear };
    return { origin, demo: demos[0]!, demos, dns: stackDns, process: child, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
