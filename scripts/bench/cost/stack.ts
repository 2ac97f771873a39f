// The storage-cost benchmark's workerd: the ingest worker's production bundle behind the meter
// driver (workers/meter-driver.js), bound to the control database and every shard of
// config/shards.json, each migrated from its own folder, persisted to files so that their pages
// can be counted afterwards (./dbstat.ts).
import { readD1Migrations } from "@cloudflare/vitest-plugin";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildWorker } from "../../build.ts";
import { MIGRATIONS, readShardsConfig, ROOT } from "../../lib/shards-config.ts";
import { compatibilityOf, miniflare } from "../lib.ts";

export const config = readShardsConfig();
export const SHARDS = config.shards.map((s) => s.binding);

/** What the driver reports for a statement text, database and kind of invocation. */
export interface StatementTally {
  category: "ingest" | "cron" | "maintenance";
  binding: string;
  sql: string;
  queries: number;
  rows_read: number;
  rows_written: number;
  /** Rows the statement changed (meta.changes): for a delete, the rows it deleted. */
  changes: number;
  /** D1's meta.duration, summed and at most. */
  ms: number;
  max_ms: number;
}

export interface DriverReport {
  statements: StatementTally[];
  acked: number;
  retried: number;
  /** Messages delivered to the worker, per queue. */
  delivered: Record<string, number>;
  /** Messages the worker sent, per producer binding. */
  sent: Record<string, number>;
  /** The most D1 queries one invocation of each kind made. */
  max_queries: Record<string, number>;
  /** Wall time of the invocations of each kind, in workerd. */
  wall_ms: Record<string, number>;
  logs: string[];
  errors: string[];
}

export interface QueueMessage {
  id: string;
  timestamp: number;
  attempts: number;
  body: unknown;
}
export type Step = { kind: "queue"; queue: string; messages: QueueMessage[] } | { kind: "scheduled"; cron: string; time: number };

export async function startStack(persist: string) {
  const driver = join(import.meta.dirname, "../workers/meter-driver.js");
  const bundle = buildWorker("ingest");
  const mf = miniflare({
    resourcePersistencePath: persist,
    workers: [
      {
        name: "meter",
        compatibility: compatibilityOf("ingest"),
        modules: [
          { type: "ESModule", path: driver, contents: readFileSync(driver, "utf8") },
          { type: "ESModule", path: join(import.meta.dirname, "../workers/ingest.js"), contents: readFileSync(bundle, "utf8") },
        ],
        d1Databases: Object.fromEntries([config.control, ...config.shards].map((d) => [d.binding, d.database_id])),
        kvNamespaces: { SALTS: "bench-cost-salts", LINKS: "bench-cost-links" },
        bindings: { WEBHOOK_ALLOW_LOOPBACK: "false", LINK_CACHE_SECONDS: "30", WEBHOOK_SECRETS_KEYS: `k1:${btoa("k".repeat(32))}` },
      },
    ],
  });
  const database = async (binding: string) => (await mf.getD1Database(binding, "meter")) as unknown as D1Database;
  const control = await database("CONTROL");
  const shards = await Promise.all(SHARDS.map(database));
  const apply = async (db: D1Database, dir: string) => {
    for (const migration of await readD1Migrations(join(ROOT, dir))) for (const query of migration.queries) await db.prepare(query).run();
  };
  await apply(control, MIGRATIONS.control);
  for (const shard of shards) await apply(shard, MIGRATIONS.shard);

  /** Runs the steps in the driver, one invocation each (a cron's maintenance messages each in its own). */
  const run = async (steps: Step[]): Promise<DriverReport> => {
    const res = await mf.dispatchFetch("http://meter/", { method: "POST", body: JSON.stringify({ steps }) });
    if (!res.ok) throw new Error(`meter driver: ${res.status} ${await res.text()}`);
    return (await res.json()) as DriverReport;
  };
  return { mf, control, shards, run };
}
