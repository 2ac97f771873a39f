import { ApiError } from "./errors.ts";
import type { ApiRequest } from "./context.ts";

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** `{ data, meta: { request_id } }`, plus any top-level extras such as `pagination`. */
export function ok(request: ApiRequest, data: unknown, status = 200, extra: Record<string, unknown> = {}): Response {
  return json({ data, ...extra, meta: { request_id: request.requestId } }, status);
}

/**
 * A page of a cursor-paginated list. `rows` is what the query returned for `limit + 1`: the extra
 * row only tells that there is more, and the cursor is made from the page's last row: its id
 * unless `cursorOf` says otherwise.
 */
export function okPage<Row extends { id: string }>(
  request: ApiRequest,
  rows: Row[],
  limit: number,
  present: (row: Row) => unknown,
  cursorOf: (row: Row) => string = (row) => row.id,
): Response {
  const page = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return ok(request, page.map(present), 200, {
    pagination: { has_more: hasMore, next_cursor: hasMore ? cursorOf(page[page.length - 1]!) : null },
  });
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

/**
 * Every error leaves through here. Known errors keep their code and message; anything else is a
 * plain 500 whose detail goes to the log only, never into the body.
 */
export function errorResponse(err: unknown, requestId: string): Response {
  const known = err instanceof ApiError ? err : null;
  if (!known) {
    console.error(JSON.stringify({ event: "unhandled_error", request_id: requestId, error: String(err), stack: (err as Error)?.stack }));
  }
  const error = known ?? new ApiError("INTERNAL_SERVER_ERROR", "Something went wrong on our side. Try again later.");
  const details = error.details === undefined ? {} : { details: error.details };
  return json({ error: { code: error.code, message: error.message, ...details }, meta: { request_id: requestId } }, error.status, error.headers);
}
