import * as z from "zod/mini";
import { ID_PATTERN } from "@qr3/core/ids";

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

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string().register(z.globalRegistry, { description: "Names the field at fault, as `field: problem`." }),
    }),
    meta: Meta,
  })
  .register(z.globalRegistry, { id: "Error" });

export const integerParam = (min: number, max: number) =>
  z.pipe(z.string().check(z.regex(/^\d{1,6}$/, "must be a whole number")), z.transform(Number)).check(z.minimum(min), z.maximum(max));

// Query strings are strict like bodies: a misspelt parameter (`?day=7`) is a 400, never silently
// the default.

export const cursor = z.optional(z.string().check(z.regex(ID_PATTERN, "is not a valid cursor")));

/** `limit` and `cursor` of every cursor-paginated list. */
export const ListQuery = z.strictObject({
  limit: z._default(integerParam(1, 100), 20),
  cursor,
});
