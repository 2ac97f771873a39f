import * as z from "zod/mini";
import { ID_PATTERN, SHORT_CODE_PATTERN } from "@qr3/core";
import { LIMITS, urlCharacterProblem } from "@qr3/schema";
import { EVENT_TYPES, MAX_SECRET_LENGTH, MIN_SECRET_LENGTH } from "@qr3/webhooks";

const withoutControlCharacters = z.superRefine((raw: string, ctx) => {
  const problem = urlCharacterProblem(raw);
  if (problem) ctx.addIssue({ code: "custom", message: problem, input: raw });
});

/**
 * A URL as the API stores and answers it: refused if it holds a control character, then checked
 * by `format`, then normalised to its parsed `href` (an IDN host as punycode, everything else
 * percent-encoded: what a browser would request, and safe in a `Location` header), whose length
 * is what the limit counts.
 */
const storedUrl = (format: z.core.$ZodCheck<string>) =>
  z.pipe(
    z.string().check(withoutControlCharacters, format),
    z.transform((raw: string) => (URL.canParse(raw) ? new URL(raw).href : raw)),
  ).check(z.maxLength(LIMITS.url));

const destinationUrl = storedUrl(z.url({ protocol: /^https?$/, hostname: z.regexes.hostname }));
const shortCode = z.string().check(z.regex(SHORT_CODE_PATTERN, "must be 3 to 64 letters, digits, \"-\" or \"_\""));
const integerParam = (min: number, max: number) =>
  z.pipe(z.string().check(z.regex(/^\d{1,6}$/, "must be a whole number")), z.transform(Number)).check(
    z.minimum(min),
    z.maximum(max),
  );

export const CreateCodeBody = z.strictObject({
  url: destinationUrl,
  short_code: z.optional(shortCode),
});

export const UpdateCodeBody = z.strictObject({
  url: z.optional(destinationUrl),
  status: z.optional(z.enum(["active", "disabled"])),
});

// Query strings are strict like bodies: a misspelt parameter (`?day=7`) is a 400, never silently
// the default.

/** `limit` and `cursor` of every cursor-paginated list. */
export const ListQuery = z.strictObject({
  limit: z._default(integerParam(1, 100), 20),
  cursor: z.optional(z.string().check(z.regex(ID_PATTERN, "is not a valid cursor"))),
});

export const ExportQuery = z.strictObject({
  format: z._default(z.enum(["csv", "ndjson"]), "csv"),
  from: z.optional(z.string()),
  to: z.optional(z.string()),
});

export const ScanStatsQuery = z.strictObject({
  days: z._default(integerParam(1, 365), 30),
  tz: z._default(z.string().check(z.minLength(1), z.maxLength(64)), "UTC"),
  include_bots: z._default(
    z.pipe(z.enum(["true", "false"]), z.transform((v) => v === "true")),
    false,
  ),
});

export const QrQuery = z.strictObject({
  ecc: z._default(z.enum(["L", "M", "Q", "H"]), "M"),
});

// Whether a webhook URL is acceptable, parseable included, is the URL policy's to say (the route
// asks it), so an unparseable one reaches it as typed.
const webhookUrl = storedUrl(z.minLength(1));
const events = z.array(z.enum(EVENT_TYPES)).check(z.minLength(1, "must list at least one event"));
const secret = z.string().check(z.minLength(MIN_SECRET_LENGTH), z.maxLength(MAX_SECRET_LENGTH));

export const CreateWebhookBody = z.strictObject({
  url: webhookUrl,
  events,
  secret: z.optional(secret),
});

export const UpdateWebhookBody = z.strictObject({
  url: z.optional(webhookUrl),
  events: z.optional(events),
  status: z.optional(z.enum(["enabled", "disabled"])),
});

export const RotateSecretBody = z.strictObject({
  secret: z.optional(secret),
});
