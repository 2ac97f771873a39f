// Branded domains (control database: domains). A hostname may be added by several workspaces, but
// held active by one at a time; codes on a domain have directory rows addressed `hostname/...`
// (short-codes.ts), which is how a delete knows whether codes still use it.

export interface DomainRow {
  id: string;
  workspace_id: string;
  hostname: string;
  status: "pending" | "active";
  verification_token: string;
  verified_at: string | null;
  created_at: string;
}

const COLUMNS = "id, workspace_id, hostname, status, verification_token, verified_at, created_at";

/** Whether an error is the workspace already having added the hostname, or another workspace holding it active. */
export function takenHostname(err: unknown): "added" | "active_elsewhere" | null {
  const text = String(err);
  if (/UNIQUE constraint failed: (domains\.workspace_id, domains\.hostname|index 'domains_workspace_hostname')/.test(text)) return "added";
  if (/UNIQUE constraint failed: (domains\.hostname|index 'domains_active_hostname')/.test(text)) return "active_elsewhere";
  return null;
}

/**
 * Adds a pending domain, if the workspace has fewer than `limit`: checked in the insert itself,
 * so concurrent adds cannot pass it. Null when over the limit; a hostname the workspace already
 * added fails the insert (takenHostname).
 */
export function insertDomain(
  control: D1Database,
  row: Pick<DomainRow, "id" | "workspace_id" | "hostname" | "verification_token" | "created_at">,
  limit: number,
): Promise<DomainRow | null> {
  return control
    .prepare(
      `INSERT INTO domains (id, workspace_id, hostname, status, verification_token, created_at)
       SELECT ?1, ?2, ?3, 'pending', ?4, ?5 WHERE (SELECT count(*) FROM domains WHERE workspace_id = ?2) < ?6
       RETURNING ${COLUMNS}`,
    )
    .bind(row.id, row.workspace_id, row.hostname, row.verification_token, row.created_at, limit)
    .first<DomainRow>();
}

export function getDomain(control: D1Database, workspaceId: string, id: string): Promise<DomainRow | null> {
  return control.prepare(`SELECT ${COLUMNS} FROM domains WHERE id = ?1 AND workspace_id = ?2`).bind(id, workspaceId).first<DomainRow>();
}

/** Newest first; `before` is the id of the last domain of the previous page. */
export async function listDomains(control: D1Database, workspaceId: string, limit: number, before: string | null): Promise<DomainRow[]> {
  const { results } = await control
    .prepare(`SELECT ${COLUMNS} FROM domains WHERE workspace_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3`)
    .bind(workspaceId, before, limit)
    .all<DomainRow>();
  return results;
}

/** The hostnames of these that the workspace holds active. */
export async function activeHostnames(control: D1Database, workspaceId: string, hostnames: readonly string[]): Promise<Set<string>> {
  if (hostnames.length === 0) return new Set();
  const { results } = await control
    .prepare("SELECT d.hostname FROM json_each(?2) AS j JOIN domains d ON d.hostname = j.value AND d.workspace_id = ?1 AND d.status = 'active'")
    .bind(workspaceId, JSON.stringify(hostnames))
    .all<{ hostname: string }>();
  return new Set(results.map((r) => r.hostname));
}

/**
 * Makes a domain active. Should another workspace hold the hostname active, the partial unique
 * index fails the update (takenHostname: "active_elsewhere"). Null when the domain is gone.
 */
export function activateDomain(control: D1Database, workspaceId: string, id: string, now: string): Promise<DomainRow | null> {
  return control
    .prepare(
      `UPDATE domains SET status = 'active', verified_at = coalesce(verified_at, ?3) WHERE id = ?1 AND workspace_id = ?2
       RETURNING ${COLUMNS}`,
    )
    .bind(id, workspaceId, now)
    .first<DomainRow>();
}

/**
 * Deletes a domain unless a code uses it: the directory's rows in its range are checked in the
 * delete itself, and a code being created on it claims its row only while the domain is active
 * (claimShortCodes), so the two cannot cross. "in_use" when codes are on it, null when there is
 * no such domain.
 */
export async function deleteDomain(control: D1Database, workspaceId: string, id: string): Promise<DomainRow | "in_use" | null> {
  const [deleted, found] = await control.batch<DomainRow>([
    control
      .prepare(
        `DELETE FROM domains WHERE id = ?1 AND workspace_id = ?2
           AND NOT EXISTS (
             -- "0" sorts right after "/": the range of every address on the hostname.
             SELECT 1 FROM short_codes s WHERE s.short_code >= domains.hostname || '/' AND s.short_code < domains.hostname || '0' AND s.workspace_id = ?2)
         RETURNING ${COLUMNS}`,
      )
      .bind(id, workspaceId),
    control.prepare(`SELECT ${COLUMNS} FROM domains WHERE id = ?1 AND workspace_id = ?2`).bind(id, workspaceId),
  ]);
  if (deleted!.results[0]) return deleted!.results[0];
  return found!.results[0] ? "in_use" : null;
}
