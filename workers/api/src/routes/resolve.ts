import { acceptedLanguages, chooseDestination, codeDestinationRules } from "@qr3/core";
import { matchDevice } from "@qr3/ua/match";
import { ResolveBody, type Resolution } from "@qr3/schema/api";
import type { ApiRequest } from "../context.ts";
import { ok } from "../respond.ts";
import { parseBody } from "../validation.ts";
import { findCode } from "./codes.ts";

/**
 * POST /v1/codes/:id/resolve: where a scan would go, chosen by the very function the redirector
 * runs, from the code's settings as D1 holds them, with the redirector's own device matcher. A
 * simulated visitor has no IP, so a variant is drawn for a random one.
 */
export async function resolveCodeRoute(request: ApiRequest): Promise<Response> {
  const body = await parseBody(request, ResolveBody, { optional: true });
  const code = await findCode(request);
  if (code.status === "disabled") return ok(request, { url: null, reason: { kind: "disabled" } } satisfies Resolution);
  const chosen = chooseDestination(codeDestinationRules(code), {
    at: body.at === undefined ? Date.now() : Date.parse(body.at),
    country: body.country ?? null,
    device: () => matchDevice(body.user_agent ?? null),
    languages: () => acceptedLanguages(body.accept_language),
    query: body.query ?? "",
    bucket: () => Math.floor(Math.random() * 100),
  });
  return ok(request, { url: chosen.url, reason: chosen.reason } satisfies Resolution);
}
