-- Branded domains: hostnames a workspace's codes can be printed on (go.example.com/menu). A
-- workspace adds one (pending) and proves it owns it by a DNS TXT record holding
-- verification_token; verified, it is active and codes can be created on it. Many workspaces may
-- add a hostname, but only one holds it active at a time (the partial unique index), so nobody can
-- squat on a hostname they cannot prove. A code on a domain is addressed `hostname/short_code` in
-- short_codes (and in its shard's codes, and in KV), so short codes are unique per domain; a domain
-- is removed only while no short_codes row is in its range (packages/db/src/domains.ts).
CREATE TABLE domains (
  id                 TEXT PRIMARY KEY,
  workspace_id       TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  hostname           TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('pending', 'active')),
  verification_token TEXT NOT NULL,
  verified_at        TEXT,
  created_at         TEXT NOT NULL
);
CREATE UNIQUE INDEX domains_workspace_hostname ON domains (workspace_id, hostname);
CREATE UNIQUE INDEX domains_active_hostname ON domains (hostname) WHERE status = 'active';
CREATE INDEX domains_workspace ON domains (workspace_id, id);
