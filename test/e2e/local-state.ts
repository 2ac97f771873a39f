// Real faults in a local stack's persisted state, and reads of it, from the test process: the
// stack's D1 databases (CONTROL and every shard of config/shards.json) and KV namespaces are
// SQLite files under its --persist-to directory, and another process holding a file's write lock
// is exactly what makes their writes fail with SQLITE_BUSY, as a busy or unavailable database would.
import { createHash, createHmac } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { readShardsConfig } from "../../scripts/lib/shards-config.ts";

const D1_OBJECT = "miniflare-D1DatabaseObject";
const D1_DIR = `v3/d1/${D1_OBJECT}`;
const KV_DIR = "v3/kv/miniflare-KVNamespaceObject";
// The stack writes the same files meanwhile: wait for its transactions rather than fail.
const BUSY_TIMEOUT_MS = 10_000;

function open(file: string): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return db;
}

/** The SQLite files of one kind of local storage (each D1 database, each KV namespace). */
function sqliteFiles(persistTo: string, dir: string): string[] {
  return readdirSync(join(persistTo, dir))
    .filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")
    .map((f) => join(persistTo, dir, f));
}

/**
 * A local D1 database is the Durable Object named by its database_id, stored as `<object id>.sqlite`;
 * workerd derives the id from the name as below (HMAC-SHA-256 keyed by the SHA-256 of the object's
 * unique key, then a MAC of that), so each binding's file is known without opening any.
 */
function durableObjectId(uniqueKey: string, name: string): string {
  const key = createHash("sha256").update(uniqueKey).digest();
  const base = createHmac("sha256", key).update(name).digest().subarray(0, 16);
  const mac = createHmac("sha256", key).update(base).digest().subarray(0, 16);
  return Buffer.concat([base, mac]).toString("hex");
}

/** A D1 binding of config/shards.json: "CONTROL", or a shard's number. */
export type Database = "CONTROL" | number;

/** The SQLite file of one of the stack's D1 databases. */
export function d1File(persistTo: string, database: Database): string {
  const config = readShardsConfig();
  const entry = database === "CONTROL" ? config.control : config.shards[database];
  if (!entry) throw new Error(`config/shards.json has no shard ${database}`);
  const file = join(persistTo, D1_DIR, `${durableObjectId(D1_OBJECT, entry.database_id)}.sqlite`);
  if (!sqliteFiles(persistTo, D1_DIR).includes(file)) throw new Error(`${entry.binding} has no local database under ${persistTo}`);
  return file;
}

/**
 * Takes the write lock of SQLite files until release() is called: every write of the stack to
 * them fails meanwhile (the files are in WAL mode, so reads still succeed).
 */
export function holdWriteLock(files: readonly string[]): { release: () => void } {
  const held = files.map((file) => {
    const db = open(file);
    db.exec("BEGIN IMMEDIATE");
    return db;
  });
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      for (const db of held) {
        db.exec("ROLLBACK");
        db.close();
      }
    },
  };
}

/** Takes the write lock of every KV namespace of the stack (see holdWriteLock). */
export function holdKvWriteLock(persistTo: string): { release: () => void } {
  return holdWriteLock(sqliteFiles(persistTo, KV_DIR));
}

/**
 * Runs a query on one of the stack's D1 databases, beside the running stack. Not read-only: after
 * a kill, the first connection must be able to roll back what the killed process left unfinished.
 */
export function queryD1<T>(persistTo: string, database: Database, sql: string, ...params: Array<string | number | null>): T[] {
  const db = open(d1File(persistTo, database));
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The shard that holds a workspace, as the control database says. */
export function shardOf(persistTo: string, workspaceId: string): number {
  const [row] = queryD1<{ shard: number }>(persistTo, "CONTROL", "SELECT shard FROM workspaces WHERE id = ?1", workspaceId);
  if (!row) throw new Error(`no workspace ${workspaceId} in the control database`);
  return row.shard;
}
