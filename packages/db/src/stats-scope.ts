// What an aggregation counts: one code, one workspace, or a set of codes (the codes of a tag).
// Summaries are kept per code and per workspace; a set of codes is answered from its codes' rows,
// summed, and its codes' ranking from the workspace's rows of the `code` dimension, restricted to
// the set. Every statement binds the scope as ?1 (an id, or the JSON array of the set's ids).

export type StatsScope =
  | { kind: "code"; id: string }
  | { kind: "workspace"; id: string }
  | { kind: "codes"; workspaceId: string; ids: readonly string[] };

/** The value bound as ?1. */
export const scopeParam = (s: StatsScope) => (s.kind === "codes" ? JSON.stringify(s.ids) : s.id);

/** Whether ranking codes is part of the answer (a workspace's, a set's). */
export const ranksCodes = (s: StatsScope) => s.kind !== "code";

/** The condition on a summary table's `column` (its scope) that selects the scope's rows. */
export const summaryScope = (s: StatsScope, column = "scope") =>
  s.kind === "codes" ? `${column} IN (SELECT value FROM json_each(?1))` : `${column} = ?1`;

/** The condition on scan_tail (aliased `t` when given) that selects the scope's waiting scans. */
export const tailScope = (s: StatsScope, alias = "") => {
  const p = alias ? `${alias}.` : "";
  return s.kind === "codes" ? `${p}code_id IN (SELECT value FROM json_each(?1))` : `${p}${s.kind === "workspace" ? "workspace_id" : "code_id"} = ?1`;
};
