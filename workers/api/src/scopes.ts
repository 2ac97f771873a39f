import type { Operation } from "@qr3/schema/api";
import { ApiError } from "./errors.ts";
import type { Auth } from "./context.ts";

/** A key without the operation's scope is refused, naming the scope it lacks. */
export function requireScope(operation: Operation, auth: Auth): void {
  const scope = operation.scope;
  if (scope === "any" || scope === "public") return;
  if (!auth.scopes.includes(scope)) throw new ApiError("FORBIDDEN", `scope: this API key lacks the "${scope}" scope`);
}
