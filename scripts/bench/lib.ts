// Shared pieces of the benchmarks: workers run by Miniflare directly (no `wrangler dev` proxy,
// which would dominate every figure), with in-memory local D1, KV and Queues.
import { readD1Migrations } from "@cloudflare/vitest-plugin";
import { Miniflare, convertV4MiniflareOptions, type V4ModuleDefinition, type V4SharedOptions, type V4WorkerOptions } from "miniflare";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { unstable_readConfig } from "wrangler";
import { MIGRATIONS, ROOT, readShardsConfig } from "../lib/shards-config.ts";

/** The deployed workers whose configs the benchmarks take their runtime behaviour from. */
export const WORKER_CONFIGS = {
  redirect: "wrangler.redirect.toml",
  ingest: "wrangler.ingest.toml",
  api: "wrangler.api.toml",
} as const;
export type DeployedWorker = keyof typeof WORKER_CONFIGS;

export interface Compatibility {
  date: string;
  flags: string[];
  /** Where date and flags come from, for the benchmark's report. */
  from: string;
}

/**
 * A config's compatibility date and flags, read by wrangler itself so that they are exactly what
 * `wrangler deploy` would use. A config without a date is refused rather than run at some default.
 */
export function readCompatibility(configPath: string): Compatibility & { worker: string } {
  const config = unstable_readConfig({ config: configPath }, { hideWarnings: true });
  const from = relative(ROOT, configPath);
  if (!config.compatibility_date) throw new Error(`${from} has no compatibility_date`);
  return { date: config.compatibility_date, flags: [...config.compatibility_flags], from, worker: config.name ?? from };
}

/**
 * The compatibility of a deployed worker, for that worker and for the helper workers a benchmark
 * compares it with or drives it from: a helper at another date would measure another runtime.
 * `extraFlags` are what a helper needs beyond the deployed worker (and are reported as such).
 */
export function compatibilityOf(worker: DeployedWorker, extraFlags: string[] = []): Compatibility {
  const { date, flags, from } = readCompatibility(join(ROOT, WORKER_CONFIGS[worker]));
  if (!extraFlags.length) return { date, flags, from };
  return { date, flags: [...new Set([...flags, ...extraFlags])], from: `${from}, plus ${extraFlags.join(", ")}` };
}

/**
 * A deployed worker's rate limiting bindings as its config declares them, in Miniflare's form;
 * `raise` may lift a binding's limit for a benchmark that asks more of one key than production allows.
 */
export function rateLimitsOf(worker: DeployedWorker, raise: Record<string, number> = {}): NonNullable<V4WorkerOptions["ratelimits"]> {
  const config = unstable_readConfig({ config: join(ROOT, WORKER_CONFIGS[worker]) }, { hideWarnings: true });
  const declared: Array<{ name: string; namespace_id: string; simple: { limit: number; period: 10 | 60 } }> = config.ratelimits;
  return Object.fromEntries(
    declared.map(({ name, namespace_id, simple }) => [name, { namespace_id, simple: { ...simple, limit: Math.max(simple.limit, raise[name] ?? 0) } }]),
  );
}

/** A worker's options, with its compatibility taken from a config (`compatibilityOf`), never typed in. */
export type BenchWorker = V4WorkerOptions & { compatibility: Compatibility };

/**
 * A worker's build (scripts/build.ts) as Miniflare loads it: the script first (the main module),
 * then the WebAssembly and data modules wrangler wrote beside it (the API's resvg and fonts).
 * Miniflare here takes no module rules, so each one is listed.
 */
export function builtModules(script: string): { modulesRoot: string; modules: V4ModuleDefinition[] } {
  const dir = dirname(script);
  const types = { ".wasm": "CompiledWasm", ".woff": "Data" } as const;
  const imported: V4ModuleDefinition[] = readdirSync(dir).flatMap((file) => {
    const ext = (Object.keys(types) as Array<keyof typeof types>).find((e) => file.endsWith(e));
    return ext ? [{ type: types[ext], path: join(dir, file) }] : [];
  });
  return { modulesRoot: dir, modules: [{ type: "ESModule", path: script }, ...imported] };
}

/** One line per worker: the compatibility date and flags it runs with, and their source. */
export function describeCompatibility(workers: Array<{ name: string; date: string; flags: string[]; from: string }>): string {
  const width = Math.max(...workers.map((w) => w.name.length));
  return workers
    .map((w) => `  ${w.name.padEnd(width)}  compatibility_date ${w.date}, flags ${w.flags.length ? w.flags.join(", ") : "(none)"}  (from ${w.from})`)
    .join("\n");
}

const reports = new WeakMap<Miniflare, string>();

/**
 * Every worker gets its own compatibility date and flags: a top-level date is silently dropped
 * once a `workers` list is given, and the worker would run at the 2000-01-01 fallback.
 */
export function miniflare(options: V4SharedOptions & { workers: BenchWorker[] }): Miniflare {
  const workers: V4WorkerOptions[] = options.workers.map(({ compatibility, ...worker }) => ({
    modules: true,
    ...worker,
    compatibilityDate: compatibility.date,
    compatibilityFlags: compatibility.flags,
  }));
  const converted = convertV4MiniflareOptions({ ...options, workers });
  // Reported from the converted options, which Miniflare hands on to workerd as they are.
  const resolved = (converted.workers ?? []).map((w, i) => {
    const { name, compatibilityDate, compatibilityFlags = [] } = (w as { config: { name: string; compatibilityDate: string; compatibilityFlags?: string[] } }).config;
    const wanted = options.workers[i]!.compatibility;
    if (compatibilityDate !== wanted.date || String(compatibilityFlags) !== String(wanted.flags)) {
      throw new Error(`${name}: Miniflare got ${compatibilityDate} [${compatibilityFlags}], not ${wanted.date} [${wanted.flags}] from ${wanted.from}`);
    }
    return { name, date: compatibilityDate, flags: compatibilityFlags, from: wanted.from };
  });
  const mf = new Miniflare(converted);
  reports.set(mf, `Workers (workerd through Miniflare):\n${describeCompatibility(resolved)}`);
  return mf;
}

/** What each worker of `mf` runs with, for the benchmark's report. */
export function compatibilityReport(mf: Miniflare): string {
  return reports.get(mf) ?? "Workers: not started by miniflare() here";
}

/** Applies every migration of a folder (NNNN_name.sql), in order, to a fresh database. */
export async function migrateFolder(db: D1Database, dir: string): Promise<void> {
  for (const migration of await readD1Migrations(dir)) {
    for (const query of migration.queries) await db.prepare(query).run();
  }
}

/**
 * The D1 databases of config/shards.json as a worker's Miniflare `d1Databases`: CONTROL and
 * SHARD_0 to SHARD_{shards-1} (all of the config's unless fewer are asked for), each a database of
 * its own, named `<prefix>-<database_name>` so that several deployments can share one Miniflare.
 */
export function shardDatabases(prefix: string, shards = readShardsConfig().shards.length): Record<string, string> {
  const config = readShardsConfig();
  if (!Number.isInteger(shards) || shards < 1 || shards > config.shards.length) {
    throw new Error(`config/shards.json declares ${config.shards.length} shards; ${shards} asked for`);
  }
  return Object.fromEntries([config.control, ...config.shards.slice(0, shards)].map((db) => [db.binding, `${prefix}-${db.database_name}`]));
}

export interface Deployment {
  control: D1Database;
  /** By shard number. */
  shards: D1Database[];
}

/**
 * The databases that `shardDatabases` bound to `worker`, migrated as a deployment's are: CONTROL
 * with migrations/control, every shard with migrations/shard.
 */
export async function migrateDeployment(mf: Miniflare, worker: string, shards = readShardsConfig().shards.length): Promise<Deployment> {
  const config = readShardsConfig();
  const open = async (binding: string) => (await mf.getD1Database(binding, worker)) as unknown as D1Database;
  const control = await open(config.control.binding);
  const shardDbs = await Promise.all(config.shards.slice(0, shards).map((s) => open(s.binding)));
  await migrateFolder(control, join(ROOT, MIGRATIONS.control));
  for (const db of shardDbs) await migrateFolder(db, join(ROOT, MIGRATIONS.shard));
  return { control, shards: shardDbs };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(cells[0]!), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}

export const machine = async () => {
  const os = await import("node:os");
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
};

/**
 * The workerd processes this benchmark started (Miniflare's children, or further down), from the
 * parent links in /proc; null where there is no /proc to read (not Linux). Other workerd processes
 * on the machine (test runs, other benchmarks) are not this benchmark's.
 */
export function ownWorkerdPids(): string[] | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const children = new Map<string, string[]>();
  const names = new Map<string, string>();
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // The name is in parentheses and may itself contain spaces or parentheses.
      names.set(pid, stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")));
      const ppid = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]!;
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // exited meanwhile
    }
  }
  const own: string[] = [];
  for (const queue = [String(process.pid)]; queue.length; ) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (names.get(child) === "workerd") own.push(child);
      queue.push(child);
    }
  }
  return own;
}

/** CPU seconds (user and system) used so far by these processes (Linux /proc; null elsewhere). */
export function cpuSeconds(pids: readonly string[] | null): number | null {
  if (!pids?.length) return null;
  try {
    let ticks = 0;
    for (const pid of pids) {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    }
    return ticks / 100; // USER_HZ
  } catch {
    return null;
  }
}

/** CPU seconds used so far by each thread of these processes, by thread id (Linux /proc; empty elsewhere). */
export function threadCpuSeconds(pids: readonly string[] | null): Map<string, number> {
  const threads = new Map<string, number>();
  for (const pid of pids ?? []) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        threads.set(`${pid}/${tid}`, (Number(fields[11]) + Number(fields[12])) / 100);
      }
    } catch {
      // exited meanwhile, or no /proc
    }
  }
  return threads;
}
