import * as z from "zod/mini";
import { ID_PATTERN } from "@qr3/core/ids";
import { API_LIMITS } from "./limits.ts";

// What every answer of the API shares: the envelope, the page, the error, the list query.

/** A time as the API writes it: ISO 8601 in UTC, with milliseconds. */
export const Timestamp = z.iso.datetime();

export const Meta = z.object({ request_id: z.string() }).register(z.globalRegistry, { id: "Meta" });

export const Pagination = z
  .object({ has_more: z.boolean(), next_cursor: z.nullable(z.string()) })
  .register(z.globalRegistry, { id: "Pagination", description: "Pass next_cursor as ?cursor= for the next page." });

/** `{ data, meta }`: every answer with a body but a page, an export or an image. */
export const envelope = <T extends z.ZodMiniType>(data: T) => z.object({ data, meta: Meta });

/** `{ data: [...], pagination, meta }`: every cursor-paginated list. */
export const page = <T extends z.ZodMiniType>(item: T) => z.object({ data: z.array(item), pagination: Pagination, meta: Meta });

/** The answer of an operation whose data is a T, as `envelope` describes it. */
export type Envelope<T> = Omit<z.output<ReturnType<typeof envelope>>, "data"> & { data: T };
/** A page of Ts, as `page` describes it. */
export type Page<T> = Omit<z.output<ReturnType<typeof page>>, "data"> & { data: T[] };

/** One bad item of a bulk request. */
export const ErrorDetail = z
  .object({ index: z.int(), field: z.string(), message: z.string() })
  .register(z.globalRegistry, { id: "ErrorDetail" });
export type ErrorDetail = z.output<typeof ErrorDetail>;

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string().register(z.globalRegistry, { description: "Names the field at fault, as `field: problem`." }),
      details: z.optional(z.array(ErrorDetail)).register(z.globalRegistry, { description: "Of a bulk request: every bad item, by its index in the request." }),
    }),
    meta: Meta,
  })
  .register(z.globalRegistry, { id: "Error" });

/** What a query parameter stands for, as the document describes it: its type, not the string it arrives as. */
export const describedAs = (schema: Record<string, unknown>) => ({
  override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
    for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
    Object.assign(jsonSchema, schema);
  },
});

/**
 * A whole number in a query string, read from its text, `fallback` when absent. The document
 * describes it as the integer it stands for (what clients generated from it send).
 */
export const integerParam = (min: number, max: number, fallback: number) =>
  z
    ._default(
      z.pipe(z.string().check(z.regex(/^\d{1,6}$/, "must be a whole number")), z.transform(Number)).check(z.minimum(min), z.maximum(max)),
      fallback,
    )
    .register(z.globalRegistry, describedAs({ type: "integer", minimum: min, maximum: max, default: fallback }));

/** `true` or `false` in a query string, `fallback` when absent, described as the boolean it stands for. */
export const booleanParam = (fallback: boolean) =>
  z
    ._default(z.pipe(z.enum(["true", "false"]), z.transform((v) => v === "true")), fallback)
    .register(z.globalRegistry, describedAs({ type: "boolean", default: fallback }));

// Query strings are strict like bodies: a misspelt parameter (`?day=7`) is a 400, never silently
// the default.

export const cursor = z.optional(z.string().check(z.regex(ID_PATTERN, "is not a valid cursor")));

/** `limit` and `cursor` of every cursor-paginated list. */
export const ListQuery = z.strictObject({
  limit: integerParam(1, API_LIMITS.page_size.max, API_LIMITS.page_size.default),
  cursor,
});
