// The D1 database the admin scripts work on: the local one (the same SQLite files `pnpm dev` uses)
// through wrangler's platform proxy, or, with --remote, the deployed one through `wrangler d1
// execute`. Both run the very statements of packages/db.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { linkKey } from "@qr3/core";
import { getPlatformProxy } from "wrangler";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const API_CONFIG = join(ROOT, "wrangler.api.toml");
export const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

export interface Target {
  db: D1Database;
  /** Deletes code records from the KV namespace the redirector reads. */
  deleteLinks(shortCodes: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Brings the local database up to date (a no-op when it is). */
export function applyLocalMigrations(persistTo: string): void {
  execFileSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "-c", API_CONFIG, "--persist-to", persistTo], {
    env: { ...WRANGLER_ENV, CI: "true" }, // CI=true: no confirmation prompt
    stdio: ["ignore", "ignore", "inherit"],
  });
}

export async function openLocal(persistTo = join(ROOT, ".wrangler/state")): Promise<Target> {
  // wrangler's informational lines ("Using secrets defined in .dev.vars") would go to stdout,
  // which belongs to the admin command's JSON.
  process.env.WRANGLER_LOG ??= "error";
  const proxy = await getPlatformProxy<{ DB: D1Database; LINKS: KVNamespace }>({
    configPath: API_CONFIG,
    persist: { path: join(persistTo, "v3") },
    remoteBindings: false,
  });
  return {
    db: proxy.env.DB,
    deleteLinks: async (shortCodes) => {
      for (const code of shortCodes) await proxy.env.LINKS.delete(linkKey(code));
    },
    close: () => proxy.dispose(),
  };
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

class RemoteStatement {
  readonly sql: string;
  readonly params: unknown[];
  constructor(sql: string, params: unknown[] = []) {
    this.sql = sql;
    this.params = params;
  }
  bind(...params: unknown[]) {
    return new RemoteStatement(this.sql, params);
  }
  text() {
    return inline(this.sql, this.params);
  }
  async all<T>() {
    return execute([this.text()])[0] as RemoteResult<T>;
  }
  async first<T>() {
    return ((await this.all<T>()).results[0] ?? null) as T | null;
  }
  async run() {
    return this.all();
  }
}

interface RemoteResult<T = unknown> {
  results: T[];
  meta: { changes: number };
}

/** Runs statements in one `wrangler d1 execute --remote`; one result per statement. */
function execute(statements: string[]): RemoteResult[] {
  const out = execFileSync(
    "wrangler",
    ["d1", "execute", "DB", "--remote", "-c", API_CONFIG, "--json", "--command", statements.join(";\n")],
    { env: WRANGLER_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  return (JSON.parse(out) as Array<{ results?: unknown[]; meta?: { changes?: number } }>).map((r) => ({
    results: r.results ?? [],
    meta: { changes: r.meta?.changes ?? 0 },
  }));
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
  const db = {
    prepare: (sql: string) => new RemoteStatement(sql),
    // wrangler runs the statements of one --command in one transaction, as D1's batch() does.
    batch: async (statements: RemoteStatement[]) => execute(statements.map((s) => s.text())),
  };
  return { db: db as unknown as D1Database, deleteLinks: deleteRemoteLinks, close: async () => {} };
}
