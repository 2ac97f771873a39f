import type * as z from "zod/mini";
import { readJsonText } from "./body.ts";
import { ApiError } from "./errors.ts";

// zod/mini ships no English messages (that keeps bundles small), so the API words them here.

// Type names as zod reports them, worded for a message; "an" before a vowel sound.
const TYPE_NAMES: Record<string, string> = { int: "integer" };
const withArticle = (name: string) => `${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}`;

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);
}

const GENERIC = "Invalid input";

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.message && issue.message !== GENERIC) return issue.message; // a schema's own words
  switch (issue.code) {
    case "invalid_type":
      return valueAt(input, issue.path) === undefined ? "is required" : `must be ${withArticle(TYPE_NAMES[issue.expected] ?? issue.expected)}`;
    case "too_small":
      if (issue.origin === "string") return issue.minimum === 1 ? "must not be empty" : `must be at least ${issue.minimum} characters`;
      return `must be at least ${issue.minimum}`;
    case "too_big":
      return issue.origin === "string" ? `must be at most ${issue.maximum} characters` : `must be at most ${issue.maximum}`;
    case "invalid_format":
      return issue.format === "url" ? "must be an http or https URL" : "has an invalid format";
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return "is not a known field";
    default:
      return "is invalid";
  }
}

/** A path as the error names it: `rules[2].when.country[0]`. */
export function pathName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((name, key) => (typeof key === "number" ? `${name}[${key}]` : name === "" ? String(key) : `${name}.${String(key)}`), "");
}

function fieldOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => pathName([...issue.path, k])).join(", ");
  return issue.path.length ? pathName(issue.path) : "body";
}

/** Checks `input` against `schema`: its value, or the first problem, worded as parseWith words it. */
export function checkWith<S extends z.ZodMiniType>(schema: S, input: unknown): { ok: true; data: z.infer<S> } | { ok: false; field: string; message: string } {
  const result = schema.safeParse(input, { error: () => GENERIC });
  if (result.success) return { ok: true, data: result.data as z.infer<S> };
  const issue = result.error.issues[0]!;
  return { ok: false, field: fieldOf(issue), message: describe(issue, input) };
}

export function parseWith<S extends z.ZodMiniType>(schema: S, input: unknown): z.infer<S> {
  // zod's own English messages may be installed globally by any module that loads classic zod (the
  // OpenAPI generator does): this parse keeps to the schema's own words, and describe()'s for the rest.
  const result = schema.safeParse(input, { error: () => GENERIC });
  if (result.success) return result.data as z.infer<S>;
  const issue = result.error.issues[0]!;
  throw new ApiError("BAD_REQUEST", `${fieldOf(issue)}: ${describe(issue, input)}`);
}

const bodyTexts = new WeakMap<Request, Promise<string>>();

/**
 * The request's body as readJsonText reads it, read once: the Idempotency-Key check fingerprints
 * the text before the handler parses it. A refusal (413, 415, invalid UTF-8) is kept as well, and
 * answered as such whoever asks.
 */
export function bodyText(request: Request): Promise<string> {
  let text = bodyTexts.get(request);
  if (!text) bodyTexts.set(request, (text = readJsonText(request)));
  return text;
}

/**
 * Reads a JSON object body (see bodyText), checked against `schema`. With `optional`, an empty
 * body reads as `{}`.
 */
export async function parseBody<S extends z.ZodMiniType>(request: Request, schema: S, options: { optional?: boolean } = {}): Promise<z.infer<S>> {
  const text = await bodyText(request);
  if (options.optional && text.trim() === "") return parseWith(schema, {});
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError("BAD_REQUEST", "body: must be valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError("BAD_REQUEST", "body: must be a JSON object");
  }
  return parseWith(schema, body);
}
