import type { ApiRequest } from "../context.ts";

export async function createKeyRoute(request: ApiRequest, env: Env): Promise<Response> {
  throw new Error("keys: not built yet");
}
export async function listKeysRoute(request: ApiRequest, env: Env): Promise<Response> {
  throw new Error("keys: not built yet");
}
export async function revokeKeyRoute(request: ApiRequest, env: Env): Promise<Response> {
  throw new Error("keys: not built yet");
}
