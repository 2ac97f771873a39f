// Real faults in a local stack's persisted state, and reads of it, from the test process: the
// stack's D1 database and KV namespaces are SQLite files under its --persist-to directory, and
// another process holding a file's write lock is exactly what makes their writes fail with
// SQLITE_BUSY, as a busy or unavailable database would.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

const D1_DIR = "v3/d1/miniflare-D1DatabaseObject";
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

/** The stack's one D1 database. */
export function d1File(persistTo: string): string {
  const files = sqliteFiles(persistTo, D1_DIR);
  if (files.length !== 1) throw new Error(`expected one local D1 database, found ${files.length}`);
  return files[0]!;
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
 * Runs a query on the stack's D1 database, beside the running stack. Not read-only: after a kill,
 * the first connection must be able to roll back what the killed process left unfinished.
 */
export function queryD1<T>(persistTo: string, sql: string, ...params: Array<string | number | null>): T[] {
  const db = open(d1File(persistTo));
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
