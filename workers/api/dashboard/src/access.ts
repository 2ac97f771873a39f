// What the signed-in key may do: the key as GET /v1/keys/current answers it (its scopes), read
// once per sign-in. Pages offer only what those scopes allow; the API refuses the rest anyway,
// so this spares people buttons that could only fail.
import { getJson } from "./api.ts";
import type { ApiKey, Envelope } from "@qr3/schema/api";
import type { Scope } from "@qr3/schema/api/scopes";

let current: ApiKey | null = null;

/** The signed-in key, once loadCurrentKey has read it. */
export const currentKey = (): ApiKey | null => current;

export async function loadCurrentKey(signal?: AbortSignal): Promise<ApiKey> {
  const { data } = await getJson<Envelope<ApiKey>>("/v1/keys/current", signal ? { signal } : {});
  current = data;
  return data;
}

/** Read again on the next page: after signing out, or once the key itself was revoked. */
export function forgetCurrentKey(): void {
  current = null;
}

/** Whether the signed-in key holds `scope`. */
export const can = (scope: Scope): boolean => current?.scopes.includes(scope) ?? false;
