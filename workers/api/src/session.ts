import { sessionDatabase, shardDb } from "@qr3/core";
import { badRequest } from "./errors.ts";
import type { ApiRequest } from "./context.ts";

// Every request works on its workspace's shard through one D1 session (the Sessions API), so that
// production can serve reads from read replicas near the client. A GET (or HEAD) starts wherever
// D1 likes ("first-unconstrained": a replica may lag behind the primary), unless the client sends
// back the bookmark of an earlier response: then it starts no earlier than that. Any other method
// writes, and starts at the primary ("first-primary"). Within the request every query goes through
// the session, so a write and the reads after it see each other in order. Every answer carries the
// session's bookmark, as `<shard>:<bookmark>`: the shard is part of it because a bookmark only
// means something to its own database.

export const BOOKMARK_HEADER = "x-d1-bookmark";
const BOOKMARK = /^(\d{1,4}):([0-9A-Za-z-]{1,512})$/;

const reads = (method: string) => method === "GET" || method === "HEAD";

/** The bookmark the client sent back, if it is of this shard (another shard's is no use here). */
function sentBookmark(request: ApiRequest): string | null {
  const sent = request.headers.get(BOOKMARK_HEADER);
  if (sent === null) return null;
  const match = BOOKMARK.exec(sent);
  if (!match) throw badRequest(BOOKMARK_HEADER, "must be a value of that header as an earlier response sent it");
  return Number(match[1]) === request.auth.shard ? match[2]! : null;
}

export function openSession(request: ApiRequest, env: Env): void {
  const bookmark = sentBookmark(request);
  const constraint = reads(request.method) ? (bookmark ?? "first-unconstrained") : "first-primary";
  request.session = shardDb(env, request.auth.shard).withSession(constraint);
  request.db = sessionDatabase(request.session);
}

/** The value of the answer's bookmark header, or null before the session's first query. */
export function bookmarkOf(request: ApiRequest): string | null {
  const bookmark = request.session?.getBookmark() ?? null;
  return bookmark === null ? null : `${request.auth.shard}:${bookmark}`;
}
