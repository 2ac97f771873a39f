// The D1 database the admin scripts work on: the local one (the same SQLite files `pnpm dev` uses)
// through wrangler's platform proxy, or, with --remote, the deployed one through `wrangler d1
// execute`. Both run the very statements of packages/db.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const API_CONFIG = join(ROOT, "wrangler.api.toml");
export const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

export interface Target {
  db: D1Database;
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
  const proxy = await getPlatformProxy<{ DB: D1Database }>({
    configPath: API_CONFIG,
    persist: { path: join(persistTo, "v3") },
    remoteBindings: false,
  });
  return { db: proxy.env.DB, close: () => proxy.dispose() };
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
    return { results: execute([this.text()]) as T[] };
  }
  async first<T>() {
    return ((await this.all<T>()).results[0] ?? null) as T | null;
  }
  async run() {
    execute([this.text()]);
    return { meta: { changes: 1 } };
  }
}

function execute(statements: string[]): unknown[] {
  const out = execFileSync(
    "wrangler",
    ["d1", "execute", "DB", "--remote", "-c", API_CONFIG, "--json", "--command", statements.join(";\n")],
    { env: WRANGLER_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const parsed = JSON.parse(out) as { results: unknown[] }[];
  return parsed.at(-1)?.results ?? [];
}

export function openRemote(): Target {
  const db = {
    prepare: (sql: string) => new RemoteStatement(sql),
    // wrangler runs the statements of one --command in one transaction, as D1's batch() does.
    batch: async (statements: RemoteStatement[]) => {
      execute(statements.map((s) => s.text()));
      return [];
    },
  };
  return { db: db as unknown as D1Database, close: async () => {} };
}
