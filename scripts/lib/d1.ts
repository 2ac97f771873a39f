// The databases the admin scripts work on: the control database and every shard, either the local
// ones (the same SQLite files `pnpm dev` uses) through wrangler's platform proxy, or, with
// --remote, the deployed ones through `wrangler d1 execute`. Both run the very statements of
// packages/db.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { linkKey } from "@qr3/core";
import { getPlatformProxy, unstable_splitSqlQuery } from "wrangler";
import { MIGRATIONS, ROOT, readShardsConfig } from "./shards-config.ts";

export { ROOT };
export const API_CONFIG = join(ROOT, "wrangler.api.toml");
export const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

export interface Target {
  control: D1Database;
  /** SHARD_0 ... SHARD_{N-1}, by number. */
  shards: D1Database[];
  /** Deletes code records from the KV namespace the redirector reads. */
  deleteLinks(shortCodes: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface Migration {
  name: string;
  queries: string[];
}

/** A migrations folder's files (NNNN_name.sql), in order, each split into its statements. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, queries: unstable_splitSqlQuery(readFileSync(join(ROOT, dir, name), "utf8")) }));
}

/**
 * Applies the migrations a database lacks, recording each in d1_migrations as `wrangler d1
 * migrations apply` does (so that wrangler sees them applied too); each migration in one batch.
 * Answers the names applied.
 */
export async function applyMigrations(db: D1Database, migrations: readonly Migration[]): Promise<string[]> {
  // Reads first, and writes only what is missing: an admin command run while the local stack is
  // writing (scans being ingested) must not contend for its databases' locks for nothing.
  const hasTable = await db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'd1_migrations'").first();
  if (!hasTable) {
    await db.prepare("CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)").run();
  }
  const applied = new Set((await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map((r) => r.name));
  const names: string[] = [];
  for (const migration of migrations.filter((m) => !applied.has(m.name))) {
    await db.batch([...migration.queries.map((q) => db.prepare(q)), db.prepare("INSERT INTO d1_migrations (name) VALUES (?1)").bind(migration.name)]);
    names.push(migration.name);
  }
  return names;
}

/** Brings the control database and every shard up to date (a no-op for those that are); what was applied where. */
export async function migrateTarget(target: Target): Promise<Record<string, string[]>> {
  const control = readMigrations(MIGRATIONS.control);
  const shard = readMigrations(MIGRATIONS.shard);
  const results = await Promise.all([applyMigrations(target.control, control), ...target.shards.map((db) => applyMigrations(db, shard))]);
  const config = readShardsConfig();
  return Object.fromEntries([config.control, ...config.shards].map((db, i) => [db.binding, results[i]!]));
}

export async function openLocal(persistTo = join(ROOT, ".wrangler/state")): Promise<Target> {
  // wrangler's informational lines ("Using secrets defined in .dev.vars") would go to stdout,
  // which belongs to the admin command's JSON.
  process.env.WRANGLER_LOG ??= "error";
  const config = readShardsConfig();
  const proxy = await getPlatformProxy<Record<string, D1Database> & { LINKS: KVNamespace }>({
    configPath: API_CONFIG,
    persist: { path: join(persistTo, "v3") },
    remoteBindings: false,
  });
  return {
    control: patientOfLocks(proxy.env[config.control.binding]!),
    shards: config.shards.map((s) => patientOfLocks(proxy.env[s.binding]!)),
    deleteLinks: async (shortCodes) => {
      for (const code of shortCodes) await proxy.env.LINKS.delete(linkKey(code));
    },
    close: () => proxy.dispose(),
  };
}

// The local SQLite files are shared with a running `pnpm dev` (or a test's stack), whose writes
// can hold a database's lock for a moment: a statement refused with SQLITE_BUSY made no change,
// and is tried again a little later, as SQLite's own busy handler would.
const BUSY_ATTEMPTS = 20;
const BUSY_DELAY_MS = 50;

async function whenUnlocked<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= BUSY_ATTEMPTS || !/SQLITE_BUSY|database is locked/.test(String(err))) throw err;
      await new Promise((resolve) => setTimeout(resolve, BUSY_DELAY_MS * attempt));
    }
  }
}

/** A local database whose statements and batches wait out another process's lock (see whenUnlocked). */
function patientOfLocks(db: D1Database): D1Database {
  const statement = (s: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(s, {
      get(target, prop) {
        if (prop === UNWRAP) return target;
        if (prop === "bind") return (...values: unknown[]) => statement(target.bind(...values));
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function") return value;
        if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
          return (...args: unknown[]) => whenUnlocked(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => statement(target.prepare(sql));
      // A batch is one transaction: refused whole, it is tried again whole. Its statements are the
      // wrapped ones: unwrap them for the binding.
      if (prop === "batch") return (statements: D1PreparedStatement[]) => whenUnlocked(() => target.batch(statements.map(unwrap)));
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const UNWRAP = Symbol("unwrap");
const unwrap = (s: D1PreparedStatement): D1PreparedStatement => ((s as unknown as Record<symbol, D1PreparedStatement>)[UNWRAP] ?? s);

/** Opens the local databases, brings them up to date, and runs `work` on them. */
export async function withLocal<T>(persistTo: string, work: (target: Target) => Promise<T>): Promise<T> {
  const target = await openLocal(persistTo);
  try {
    await migrateTarget(target);
    return await work(target);
  } finally {
    await target.close();
  }
}

// SQL literals for `wrangler d1 execute --command`, which takes no bound parameters.
function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return `'${String(value).replaceAll("'", "''")}'`;
}

function inline(sql: string, params: unknown[]): string {
  return sql.replace(/\?(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]));
}

interface RemoteResult<T = unknown> {
  results: T[];
  meta: { changes: number; size_after: number };
}

/** Runs statements in one `wrangler d1 execute --remote` on the database bound as `binding`; one result per statement. */
function execute(binding: string, statements: string[]): RemoteResult[] {
  const out = execFileSync(
    "wrangler",
    ["d1", "execute", binding, "--remote", "-c", API_CONFIG, "--json", "--command", statements.join(";\n")],
    { env: WRANGLER_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  return (JSON.parse(out) as Array<{ results?: unknown[]; meta?: { changes?: number; size_after?: number } }>).map((r) => ({
    results: r.results ?? [],
    meta: { changes: r.meta?.changes ?? 0, size_after: r.meta?.size_after ?? 0 },
  }));
}

class RemoteStatement {
  readonly binding: string;
  readonly sql: string;
  readonly params: unknown[];
  constructor(binding: string, sql: string, params: unknown[] = []) {
    this.binding = binding;
    this.sql = sql;
    this.params = params;
  }
  bind(...params: unknown[]) {
    return new RemoteStatement(this.binding, this.sql, params);
  }
  text() {
    return inline(this.sql, this.params);
  }
  async all<T>() {
    return execute(this.binding, [this.text()])[0] as RemoteResult<T>;
  }
  async first<T>() {
    return ((await this.all<T>()).results[0] ?? null) as T | null;
  }
  async run() {
    return this.all();
  }
  async raw<T>() {
    return (await this.all<Record<string, unknown>>()).results.map((r) => Object.values(r)) as T[];
  }
}

function remoteDatabase(binding: string): D1Database {
  const db = {
    prepare: (sql: string) => new RemoteStatement(binding, sql),
    // wrangler runs the statements of one --command in one transaction, as D1's batch() does.
    batch: async (statements: RemoteStatement[]) => execute(binding, statements.map((s) => s.text())),
  };
  return db as unknown as D1Database;
}

function deleteRemoteLinks(shortCodes: readonly string[]): Promise<void> {
  if (shortCodes.length === 0) return Promise.resolve();
  const dir = mkdtempSync(join(tmpdir(), "qr3-admin-"));
  try {
    const file = join(dir, "keys.json");
    writeFileSync(file, JSON.stringify(shortCodes.map(linkKey)));
    execFileSync("wrangler", ["kv", "bulk", "delete", file, "--binding", "LINKS", "-c", API_CONFIG, "--remote", "--force"], {
      env: WRANGLER_ENV,
      stdio: ["ignore", "ignore", "inherit"],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return Promise.resolve();
}

export function openRemote(): Target {
  const config = readShardsConfig();
  return {
    control: remoteDatabase(config.control.binding),
    shards: config.shards.map((s) => remoteDatabase(s.binding)),
    deleteLinks: deleteRemoteLinks,
    close: async () => {},
  };
}

/**
 * `wrangler d1 migrations apply --remote` on the control database and every shard, each with its
 * own migrations folder (migrations_dir in the wrangler config); what wrangler printed, per binding.
 */
export function migrateRemote(): Record<string, string> {
  const config = readShardsConfig();
  const out: Record<string, string> = {};
  for (const { binding } of [config.control, ...config.shards]) {
    out[binding] = execFileSync("wrangler", ["d1", "migrations", "apply", binding, "--remote", "-c", API_CONFIG], {
      env: { ...WRANGLER_ENV, CI: "true" }, // CI=true: no confirmation prompt
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
  }
  return out;
}
