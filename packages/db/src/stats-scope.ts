// What an aggregation counts: one code, one workspace, or one tag of a workspace (a campaign:
// every code carrying it now). Each has summary rows of its own, under its scope: a code's id, a
// workspace's id, or a tag's scope (tagScope; migrations/shard/0008 keeps a tag's rows the sums of
// its codes'). The scans still waiting to be folded and the raw scans are read by code (and for a
// workspace by workspace).

export type StatsScope =
  | { kind: "code"; id: string }
  | { kind: "workspace"; id: string }
  | { kind: "tag"; workspaceId: string; tag: string; codeIds: readonly string[] };

/** A tag's scope in the summaries, as SQL from the expressions of its workspace id and tag. */
export const tagScopeSql = (workspaceId: string, tag: string) => `'tag:' || ${workspaceId} || ':' || ${tag}`;
/** A tag's scope in the summaries (what tagScopeSql computes). */
export const tagScope = (workspaceId: string, tag: string) => `tag:${workspaceId}:${tag}`;

/** The scope of the summary rows, bound as ?1 by every read of summaries. */
export const summaryParam = (s: StatsScope) => (s.kind === "tag" ? tagScope(s.workspaceId, s.tag) : s.id);

/** What reads of waiting or raw scans bind to select them: an id, or the JSON array of a tag's codes. */
export const scansParam = (s: StatsScope) => (s.kind === "tag" ? JSON.stringify(s.codeIds) : s.id);

/** Whether ranking codes is part of the answer (a workspace's, a tag's). */
export const ranksCodes = (s: StatsScope) => s.kind !== "code";

/** The condition on scan_tail (aliased `alias` when given) selecting the scope's waiting scans, whose scansParam is bound as `param`. */
export const tailScope = (s: StatsScope, alias = "", param = "?1") => {
  const p = alias ? `${alias}.` : "";
  if (s.kind === "tag") return `${p}code_id IN (SELECT value FROM json_each(${param}))`;
  return `${p}${s.kind === "workspace" ? "workspace_id" : "code_id"} = ${param}`;
};
