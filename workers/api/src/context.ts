import type { IRequestStrict } from "itty-router";

export interface Auth {
  workspaceId: string;
  keyId: string;
  /** The workspace's retention: no read reaches further back (see retentionStart). */
  retentionDays: number;
}

/** The request as handlers see it, after the router's `before` steps have run. */
export type ApiRequest = IRequestStrict & {
  requestId: string;
  auth: Auth;
};

export type Handler = (request: ApiRequest, env: Env, ctx: ExecutionContext) => Promise<Response> | Response;
