import { ID_PATTERN } from "@qr3/core/ids";
import type { CodeSortValue } from "@qr3/db";
import { API_LIMITS, type CodeSort, DEFAULT_CODE_SORT } from "@qr3/schema/api";
import { badRequest } from "./errors.ts";

// The cursor of a code list. The default sort's is the last code's id, as every other list's; the
// other sorts' is an opaque token of the sort, the last code's sort value and its id (base64url of
// JSON), so that the next page starts right after that code. A token is checked field by field on
// the way in: one made for another sort, or edited, is a 400.

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const invalid = () => badRequest("cursor", "is not a valid cursor");

function base64url(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(token: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  try {
    const binary = atob(token.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw invalid();
  }
}

const validValue: Record<Exclude<CodeSort, typeof DEFAULT_CODE_SORT>, (v: unknown) => boolean> = {
  created_at: (v) => typeof v === "string" && ISO_TIME.test(v),
  name: (v) => v === null || (typeof v === "string" && v.length >= 1 && v.length <= API_LIMITS.code_name.max),
  total_scans: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
  "-total_scans": (v) => Number.isSafeInteger(v) && (v as number) >= 0,
};

export function encodeCodeCursor(sort: CodeSort, id: string, value: CodeSortValue): string {
  return sort === DEFAULT_CODE_SORT ? id : base64url(JSON.stringify([sort, value, id]));
}

/** Where the page after `cursor` starts, in `sort`'s order; a 400 naming cursor for anything else. */
export function decodeCodeCursor(sort: CodeSort, cursor: string): { id: string; value: CodeSortValue } {
  if (sort === DEFAULT_CODE_SORT) {
    if (!ID_PATTERN.test(cursor)) throw invalid();
    return { id: cursor, value: null };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64url(cursor));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
  const [tokenSort, value, id] = parsed as [unknown, unknown, unknown];
  if (tokenSort !== sort || typeof id !== "string" || !ID_PATTERN.test(id) || !validValue[sort](value)) throw invalid();
  return { id, value: value as CodeSortValue };
}
