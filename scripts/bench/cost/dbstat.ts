// Bytes per table and index of each local D1 database, counted by SQLite's dbstat on a copy of
// the database file, outside workerd (which refuses dbstat and page_count): node:sqlite's SQLite
// has the dbstat table built in.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

export interface Part {
  /** Table or index. */
  name: string;
  /** The table an index belongs to; the table itself for a table. */
  table: string;
  bytes: number;
}

export interface FileStats {
  parts: Part[];
  /** Pages on the freelist (left by deletes), in bytes: in the file, in no table. */
  free: number;
  /** page_count × page_size. */
  file: number;
}

function sqliteFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sqliteFiles(join(dir, e.name)) : e.name.endsWith(".sqlite") ? [join(dir, e.name)] : [],
  );
}

/** A consistent copy of a database file with its WAL, opened read-write so that SQLite may replay the WAL. */
function openCopy(file: string): { db: DatabaseSync; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "qr3-cost-copy-"));
  const copy = join(dir, "db.sqlite");
  for (const suffix of ["", "-wal", "-shm"]) if (existsSync(file + suffix)) copyFileSync(file + suffix, copy + suffix);
  const db = new DatabaseSync(copy);
  return { db, done: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

function statsOf(db: DatabaseSync): FileStats {
  const parts = db
    .prepare(
      `SELECT d.name, coalesce(s.tbl_name, d.name) AS tbl, sum(d.pgsize) AS bytes FROM dbstat d
       LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY d.name ORDER BY bytes DESC`,
    )
    .all() as Array<{ name: string; tbl: string; bytes: number }>;
  const pragma = (name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[0]!;
  const pageSize = pragma("page_size");
  return { parts: parts.map((p) => ({ name: p.name, table: p.tbl, bytes: p.bytes })), free: pragma("freelist_count") * pageSize, file: pragma("page_count") * pageSize };
}

/**
 * The stats of the databases persisted under `persist`, each named by `identify`, which sees the
 * open copy (and answers null for a database of no interest).
 */
export function databaseStats(persist: string, identify: (db: DatabaseSync) => string | null): Map<string, FileStats> {
  const found = new Map<string, FileStats>();
  for (const file of sqliteFiles(persist)) {
    if (statSync(file).size === 0) continue;
    const { db, done } = openCopy(file);
    try {
      const name = identify(db);
      if (name !== null) found.set(name, statsOf(db));
    } finally {
      done();
    }
  }
  return found;
}

/** Whether the database has this table. */
export const hasTable = (db: DatabaseSync, table: string) =>
  (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table) as { n: number }).n > 0;
