import type { IRequestStrict } from "itty-router";
import type { Operation, Scope } from "@qr3/schema/api";

export interface Auth {
  workspaceId: string;
  keyId: string;
  /** The key's name, as the audit log records it. */
  keyName: string;
  /** What the key may do: every operation needs one of these (or none, see Operation.scope). */
  scopes: readonly Scope[];
  /** The workspace's retention: no read reaches further back (see retentionStart). */
  retentionDays: number;
  /** The shard holding the workspace's codes, scans and webhooks. */
  shard: number;
}

/** The request as handlers see it, after the router's `before` steps have run. */
export type ApiRequest = IRequestStrict & {
  requestId: string;
  /** The operation the request was routed to (packages/schema/src/api/operations.ts). */
  operation: Operation;
  auth: Auth;
  /**
   * The workspace's shard, through the request's D1 session (session.ts): every read and write of
   * the request goes through it, so they see each other in order.
   */
  db: D1Database;
  session: D1DatabaseSession;
};

export type Handler = (request: ApiRequest, env: Env, ctx: ExecutionContext) => Promise<Response> | Response;
