// config/shards.json: the D1 databases of a deployment, CONTROL and the pool of shards. The one
// place that lists them: `pnpm config:sync` writes them into the wrangler configs, and the
// scripts (local stack, admin command, benchmarks) and tests read them from here.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const SHARDS_CONFIG = join(ROOT, "config/shards.json");

export interface Database {
  binding: string;
  database_name: string;
  database_id: string;
}

export interface ShardsConfig {
  control: Database;
  shards: Database[];
}

export const MIGRATIONS = { control: "migrations/control", shard: "migrations/shard" } as const;

/** The config, checked: CONTROL, then SHARD_0 to SHARD_{N-1} in order, every name and id given once. */
export function readShardsConfig(file = SHARDS_CONFIG): ShardsConfig {
  const config = JSON.parse(readFileSync(file, "utf8")) as ShardsConfig;
  const problems: string[] = [];
  const all = [config.control, ...(config.shards ?? [])];
  if (config.control?.binding !== "CONTROL") problems.push('control.binding must be "CONTROL"');
  if (!Array.isArray(config.shards) || config.shards.length === 0) problems.push("shards must list at least one database");
  (config.shards ?? []).forEach((s, i) => {
    if (s?.binding !== `SHARD_${i}`) problems.push(`shards[${i}].binding must be "SHARD_${i}"`);
  });
  for (const field of ["database_name", "database_id"] as const) {
    for (const db of all) if (typeof db?.[field] !== "string" || db[field].trim() === "") problems.push(`${db?.binding ?? "?"}: ${field} is missing`);
    const values = all.map((db) => db?.[field]);
    for (const v of new Set(values)) if (values.filter((x) => x === v).length > 1) problems.push(`${field} ${v} is given more than once`);
  }
  if (problems.length) throw new Error(`${file}: ${problems.join("; ")}`);
  return config;
}

/** How many shards the config declares. */
export const shardCountOf = (config: ShardsConfig = readShardsConfig()) => config.shards.length;
