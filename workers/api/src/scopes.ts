import { SCOPES, type Operation, type Scope } from "@qr3/schema/api";
import { ApiError } from "./errors.ts";
import type { Auth } from "./context.ts";

/** A key without the operation's scope is refused, naming the scope it lacks. */
export function requireScope(operation: Operation, auth: Auth): void {
  const scope = operation.scope;
  if (scope === "any" || scope === "public") return;
  if (!auth.scopes.includes(scope)) throw new ApiError("FORBIDDEN", `scope: this API key lacks the "${scope}" scope`);
}

/**
 * The scopes of a key as stored (a JSON array), read defensively: anything but an array holds no
 * scope, and a value that is no scope of this version is dropped, so a stored row can never
 * grant more than the scopes there are. In the order of SCOPES, each once.
 */
export function storedScopes(stored: string | null): Scope[] {
  let value: unknown;
  try {
    value = JSON.parse(stored ?? "");
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return SCOPES.filter((scope) => value.includes(scope));
}
