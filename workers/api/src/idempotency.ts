import type { ApiRequest } from "./context.ts";

/** Runs a POST at most once per Idempotency-Key. */
export async function idempotent(request: ApiRequest, env: Env, run: () => Promise<Response>): Promise<Response> {
  return run();
}
