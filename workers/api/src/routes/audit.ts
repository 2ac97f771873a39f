import type { ApiRequest } from "../context.ts";

export async function auditLogRoute(request: ApiRequest, env: Env): Promise<Response> {
  throw new Error("audit log: not built yet");
}
