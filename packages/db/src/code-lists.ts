import type { LinkStatus } from "@qr3/core";
import type { CodeSort } from "@qr3/schema/api/limits";
import { CODE_COLUMNS, type CodeRow } from "./codes.ts";

// A workspace's codes as GET /v1/codes lists them: searched, filtered, sorted, a page at a time.
// Pages are keyset-paginated on (sort value, id), so that a code never shows twice nor goes
// missing across pages while the list stays as it is.

/** The sort value a page's last code gives the next page's start. */
export type CodeSortValue = string | number | null;

export interface CodeListFilter {
  /** Text that the name, short code or destination contains, ignoring case. */
  q?: string | undefined;
  /** Normalised tags: codes carrying every one. */
  tags?: readonly string[] | undefined;
  status?: LinkStatus | undefined;
  externalId?: string | undefined;
  sort: CodeSort;
  /** The last code of the previous page: its id and, but for the default sort, its sort value. */
  after: { id: string; value: CodeSortValue } | null;
  limit: number;
}

/** The sort value of a code: what the next page's cursor carries. */
export function codeSortValue(sort: CodeSort, code: CodeRow): CodeSortValue {
  if (sort === "name") return code.name;
  if (sort === "total_scans" || sort === "-total_scans") return code.total_scans;
  return code.created_at;
}

// Names sort without regard to ASCII case; nameless codes after every named one.
const ORDER: Record<CodeSort, string> = {
  "-created_at": "id DESC",
  created_at: "created_at, id",
  name: "name IS NULL, name COLLATE NOCASE, id",
  total_scans: "total_scans, id",
  "-total_scans": "total_scans DESC, id DESC",
};

/** What comes after the row (value ?v, id ?i) in the sort's order. */
function afterClause(sort: CodeSort, value: CodeSortValue, v: string, i: string): string {
  switch (sort) {
    case "-created_at":
      return `id < ${i}`;
    case "created_at":
      return `(created_at, id) > (${v}, ${i})`;
    case "total_scans":
      return `(total_scans, id) > (${v}, ${i})`;
    case "-total_scans":
      return `(total_scans, id) < (${v}, ${i})`;
    case "name":
      return value === null
        ? `(name IS NULL AND id > ${i})`
        : `(name IS NULL OR name > ${v} COLLATE NOCASE OR (name = ${v} COLLATE NOCASE AND id > ${i}))`;
  }
}

/** `%` and `_` in the text match themselves: LIKE's wildcards are escaped with "\". */
export const likeContains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** One page (`limit` rows) of a workspace's codes. Filters are written into the query only when given. */
export async function listCodes(db: D1Database, workspaceId: string, filter: CodeListFilter): Promise<CodeRow[]> {
  const params: unknown[] = [workspaceId];
  const param = (value: unknown) => {
    params.push(value);
    return `?${params.length}`;
  };
  const where = ["workspace_id = ?1"];
  if (filter.q !== undefined) {
    // LIKE ignores the case of ASCII letters.
    const q = param(likeContains(filter.q));
    where.push(`(name LIKE ${q} ESCAPE '\\' OR short_code LIKE ${q} ESCAPE '\\' OR url LIKE ${q} ESCAPE '\\')`);
  }
  if (filter.tags?.length) {
    const tags = param(JSON.stringify(filter.tags));
    where.push(
      `id IN (SELECT code_id FROM code_tags WHERE workspace_id = ?1 AND tag IN (SELECT value FROM json_each(${tags}))
              GROUP BY code_id HAVING count(*) = ${param(filter.tags.length)})`,
    );
  }
  if (filter.status !== undefined) where.push(`status = ${param(filter.status)}`);
  if (filter.externalId !== undefined) where.push(`external_id = ${param(filter.externalId)}`);
  if (filter.after) {
    const v = filter.sort === "-created_at" ? "" : param(filter.after.value);
    where.push(afterClause(filter.sort, filter.after.value, v, param(filter.after.id)));
  }
  const { results } = await db
    .prepare(`SELECT ${CODE_COLUMNS} FROM codes WHERE ${where.join(" AND ")} ORDER BY ${ORDER[filter.sort]} LIMIT ${param(filter.limit)}`)
    .bind(...params)
    .all<CodeRow>();
  return results;
}

export interface TagRow {
  tag: string;
  codes: number;
  total_scans: number;
}

/**
 * Every tag of a workspace: how many codes carry it and their scans together, most scanned first,
 * ties by tag. CROSS JOIN keeps SQLite to reading each tag row's code by its primary key, rather
 * than every code of the workspace per tag row.
 */
export async function listTags(db: D1Database, workspaceId: string): Promise<TagRow[]> {
  const { results } = await db
    .prepare(
      `SELECT t.tag, count(*) AS codes, coalesce(sum(c.total_scans), 0) AS total_scans
       FROM code_tags t CROSS JOIN codes c ON c.id = t.code_id
       WHERE t.workspace_id = ?1 AND c.workspace_id = ?1
       GROUP BY t.tag ORDER BY total_scans DESC, t.tag`,
    )
    .bind(workspaceId)
    .all<TagRow>();
  return results;
}
