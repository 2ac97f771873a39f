import * as z from "zod/mini";
import { COUNTRY_CODES, DESTINATION_REASONS, ROUTING_DEFAULTS, RULE_DEVICE_TYPES, RULE_LIMITS, RULE_OS_NAMES, UTM_FIELDS } from "../rule-facts.ts";
import { destinationUrl } from "./urls.ts";

// A code's redirect settings beside its url: schedule, fallback, scan cap, rules, variants, query
// forwarding and UTM tags. What the API takes (create and update) and answers; the chooser that
// applies them is @qr3/core's chooseDestination.

const { rules: MAX_RULES, variants: VARIANTS, values: MAX_VALUES, utm_value: UTM_MAX } = RULE_LIMITS;

/** A list condition: 1 to MAX_VALUES values, duplicates dropped. */
const valueList = <T extends z.ZodMiniType>(item: T) =>
  z.pipe(
    z.array(item).check(z.minLength(1, "must hold at least one value"), z.maxLength(MAX_VALUES, `must hold at most ${MAX_VALUES} values`)),
    z.transform((list: z.output<T>[]) => [...new Set(list)]),
  );

const country = z
  .string()
  .check(
    z.overwrite((c: string) => c.toUpperCase()),
    z.refine((c: string) => COUNTRY_CODES.has(c), "must be an ISO 3166-1 alpha-2 country code such as DE"),
  );
const language = z
  .string()
  .check(
    z.overwrite((l: string) => l.toLowerCase()),
    z.regex(/^[a-z]{2,3}$/, 'must be a primary language subtag such as "de"'),
  );
const HH_MM = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const clock = z.string().check(z.regex(HH_MM, 'must be a time of day "HH:MM", from 00:00 to 23:59'));

/** Whether the runtime knows an IANA time zone name. */
export function isTimeZoneName(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const CONDITIONS = ["country", "device_type", "os", "language", "weekday", "time"] as const;

export const RuleWhen = z
  .strictObject({
    country: z.optional(valueList(country)),
    device_type: z.optional(valueList(z.enum(RULE_DEVICE_TYPES))),
    os: z.optional(valueList(z.enum(RULE_OS_NAMES))),
    language: z.optional(valueList(language)),
    weekday: z.optional(valueList(z.int().check(z.minimum(1), z.maximum(7)))),
    time: z.optional(
      z
        .strictObject({ from: clock, to: clock })
        .check(z.refine((t: { from: string; to: string }) => t.from !== t.to, { message: "must differ from from", path: ["to"] })),
    ),
    tz: z.optional(
      z.string().check(z.maxLength(64), z.refine(isTimeZoneName, "must be an IANA time zone name such as Europe/Vienna")),
    ),
  })
  .check(
    z.refine((when: Record<string, unknown>) => CONDITIONS.some((c) => when[c] !== undefined), `must hold at least one of ${CONDITIONS.join(", ")}`),
  )
  .register(z.globalRegistry, {
    id: "RuleWhen",
    description:
      "Each condition listed must hold; a list holds when any of its values does. weekday (ISO, 1 is Monday) and time (to excluded; wraps past midnight when to is before from) are read in tz, UTC by default.",
  });

export const Rule = z.strictObject({ when: RuleWhen, url: destinationUrl }).register(z.globalRegistry, { id: "Rule" });

export const Variant = z
  .strictObject({ url: destinationUrl, weight: z.int().check(z.minimum(1), z.maximum(100)) })
  .register(z.globalRegistry, { id: "Variant" });

// The same as a code answers them: as stored, normalised.
const StoredRule = z
  .object({
    when: z.object({
      country: z.optional(z.array(z.string())),
      device_type: z.optional(z.array(z.enum(RULE_DEVICE_TYPES))),
      os: z.optional(z.array(z.enum(RULE_OS_NAMES))),
      language: z.optional(z.array(z.string())),
      weekday: z.optional(z.array(z.int())),
      time: z.optional(z.object({ from: z.string(), to: z.string() })),
      tz: z.optional(z.string()),
    }),
    url: z.string(),
  })
  .register(z.globalRegistry, { id: "StoredRule" });
const StoredVariant = z.object({ url: z.string(), weight: z.int() }).register(z.globalRegistry, { id: "StoredVariant" });

const rules = z.array(Rule).check(z.maxLength(MAX_RULES, `must hold at most ${MAX_RULES} rules`));

const weightsSum = (list: ReadonlyArray<{ weight: number }>) => list.reduce((n, v) => n + v.weight, 0);
const variants = z.array(Variant).check(
  z.refine((list: unknown[]) => list.length === 0 || list.length >= VARIANTS.min, `must hold ${VARIANTS.min} to ${VARIANTS.max} variants, or none`),
  z.maxLength(VARIANTS.max, `must hold at most ${VARIANTS.max} variants`),
  z.refine((list: Array<{ weight: number }>) => list.length === 0 || weightsSum(list) === 100, "must have weights that sum to 100"),
);

const utmValue = z.string().check(z.minLength(1), z.maxLength(UTM_MAX));
export const Utm = z
  .strictObject(Object.fromEntries(UTM_FIELDS.map((f) => [f, z.optional(utmValue)])) as Record<(typeof UTM_FIELDS)[number], z.ZodMiniOptional<typeof utmValue>>)
  .register(z.globalRegistry, { id: "Utm", description: "Added to the destination as utm_source, utm_medium, ... unless it already has them." });

/** An ISO 8601 time with an offset ("Z" or "+02:00"), stored in UTC. */
const instant = z.pipe(z.iso.datetime({ offset: true }), z.transform((t: string) => new Date(t).toISOString()));

/**
 * The redirect settings as a create or an update takes them. In an update, null (and [] or false)
 * clears one; in a create, absent and null are alike.
 */
export const routingFields = {
  starts_at: z.optional(z.nullable(instant)).register(z.globalRegistry, { description: "Before this, scans go to fallback_url (or get a 410 page)." }),
  expires_at: z.optional(z.nullable(instant)).register(z.globalRegistry, { description: "From this on, scans go to fallback_url (or get a 410 page)." }),
  fallback_url: z.optional(z.nullable(destinationUrl)).register(z.globalRegistry, {
    description: "Where scans go outside starts_at..expires_at and once max_scans is reached.",
  }),
  max_scans: z.optional(z.nullable(z.int().check(z.minimum(1), z.maximum(1_000_000_000)))).register(z.globalRegistry, {
    description: "Once the code has counted this many scans (people, not bots), scans go to fallback_url (or get a 410 page).",
  }),
  rules: z.optional(z.nullable(rules)).register(z.globalRegistry, { description: `At most ${MAX_RULES}; the first that matches a scan wins.` }),
  variants: z.optional(z.nullable(variants)).register(z.globalRegistry, {
    description: `An A/B split used when no rule matches: ${VARIANTS.min} to ${VARIANTS.max} variants whose weights sum to 100. A visitor gets the same variant all day.`,
  }),
  forward_query: z.optional(z.nullable(z.boolean())).register(z.globalRegistry, {
    description: "Add the scan URL's query string to the destination; the destination's own parameters keep their values.",
  }),
  utm: z.optional(z.nullable(Utm)),
};

/** Why a schedule is refused: the same words whoever refuses it (a create's check, an update's write). */
export const SCHEDULE_PROBLEM = { field: "expires_at", message: "must be after starts_at" } as const;

/** A body's schedule ends after it starts (an update's is checked in the write, against what is stored). */
export const scheduleInOrder = z.refine(
  (body: unknown) => {
    const { starts_at, expires_at } = body as { starts_at?: string | null; expires_at?: string | null };
    return !starts_at || !expires_at || starts_at < expires_at;
  },
  { message: SCHEDULE_PROBLEM.message, path: [SCHEDULE_PROBLEM.field] },
);

/** The settings as stored: only what is set. null where an update clears one. */
export type RoutingPatch = { -readonly [K in keyof typeof routingFields]?: z.output<(typeof routingFields)[K]> };
export const ROUTING_FIELD_NAMES = Object.keys(routingFields) as Array<keyof typeof routingFields>;

/**
 * A request's settings as a JSON merge patch of the stored ones (RFC 7396): what is given, with
 * null where it clears a setting ([] of rules or variants, false of forward_query and an empty
 * utm clear too), so that what is stored holds only what is set. Undefined when none is given.
 */
export function routingPatch(body: RoutingPatch): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const field of ROUTING_FIELD_NAMES) {
    const value = body[field];
    if (value === undefined) continue;
    const empty = value === false || (Array.isArray(value) && value.length === 0) || (field === "utm" && value !== null && Object.keys(value).length === 0);
    patch[field] = empty ? null : value;
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

export { ROUTING_DEFAULTS };

export const CodeRouting = {
  starts_at: z.nullable(z.string()),
  expires_at: z.nullable(z.string()),
  fallback_url: z.nullable(z.string()),
  max_scans: z.nullable(z.int()),
  rules: z.array(StoredRule),
  variants: z.array(StoredVariant),
  forward_query: z.boolean(),
  utm: z.nullable(Utm),
  scan_cap_reached_at: z.nullable(z.string()).register(z.globalRegistry, {
    description: "When the code counted its max_scans: from then on its scans go to fallback_url. null while under the cap.",
  }),
};

/** POST /v1/codes/:id/resolve: a simulated scan. */
export const ResolveBody = z
  .strictObject({
    country: z.optional(z.nullable(country)),
    user_agent: z.optional(z.nullable(z.string().check(z.maxLength(1024)))),
    accept_language: z.optional(z.nullable(z.string().check(z.maxLength(256)))),
    at: z.optional(instant).register(z.globalRegistry, { description: "The scan's time; now when absent." }),
    query: z.optional(z.string().check(z.maxLength(2048))).register(z.globalRegistry, { description: 'The scan URL\'s query string, such as "?store=12".' }),
  })
  .register(z.globalRegistry, { id: "ResolveBody", description: "Every field optional: a scan from nowhere in particular, now, with no query." });
export type ResolveBody = z.output<typeof ResolveBody>;

export const Resolution = z
  .object({
    url: z.nullable(z.string()).register(z.globalRegistry, { description: "Where the scan is sent; null when it gets a 410 page." }),
    reason: z.object({
      kind: z.enum(DESTINATION_REASONS),
      index: z.optional(z.int()).register(z.globalRegistry, { description: "The rule's or the variant's index, for those." }),
    }),
  })
  .register(z.globalRegistry, { id: "Resolution" });
export type Resolution = z.output<typeof Resolution>;
