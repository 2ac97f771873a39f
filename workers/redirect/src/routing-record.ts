import { withQuery, type DestinationRules, type Routing, type RoutingRule, type RuleWhen } from "@qr3/core";
import { RULE_LIMITS, UTM_FIELDS } from "@qr3/schema/rule-facts";

// A code's redirect settings as its KV record carries them, checked once per read like the rest
// of the record (link-record.ts): no stored value may make a redirect fail. What cannot be used
// is left out and named, never guessed at: a rule with one bad condition is left out whole (without
// that condition it would match more scans than its owner meant), bad variants leave the code
// without a split, a bad schedule end leaves the code without that end.

/** The settings the chooser takes (every URL a valid Location), and what was left out. */
export interface CheckedRouting {
  rules: DestinationRules;
  invalid: string[];
}

const HH_MM = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === "string");
const isTime = (v: unknown): v is string => typeof v === "string" && Number.isFinite(Date.parse(v));

function checkWhen(raw: unknown): RuleWhen | null {
  if (!isObject(raw)) return null;
  const when: RuleWhen = {};
  const { country, device_type, os, language, weekday, time, tz } = raw;
  for (const [name, list] of [["country", country], ["device_type", device_type], ["os", os], ["language", language]] as const) {
    if (list === undefined) continue;
    if (!isStringList(list)) return null;
    (when as Record<string, unknown>)[name] = list;
  }
  if (weekday !== undefined) {
    if (!Array.isArray(weekday) || weekday.length === 0 || !weekday.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) return null;
    when.weekday = weekday as number[];
  }
  if (time !== undefined) {
    if (!isObject(time) || typeof time.from !== "string" || typeof time.to !== "string" || !HH_MM.test(time.from) || !HH_MM.test(time.to)) return null;
    when.time = { from: time.from, to: time.to };
  }
  if (tz !== undefined) {
    if (typeof tz !== "string") return null;
    when.tz = tz; // a zone the runtime does not know reads as UTC
  }
  return Object.keys(when).some((k) => k !== "tz") ? when : null;
}

/**
 * Checks a record's `routing` beside its url. `toLocation` is the record's own URL check (null:
 * unusable). `raw` undefined: the code has no settings.
 */
export function checkRouting(raw: unknown, url: string, capped: boolean, toLocation: (url: unknown) => string | null): CheckedRouting {
  const rules: DestinationRules = { url, ...(capped ? { capped: true } : {}) };
  const invalid: string[] = [];
  if (!isObject(raw)) return { rules, invalid: ["routing"] };
  const { starts_at, expires_at, fallback_url, rules: ruleList, variants, forward_query, utm } = raw as Record<keyof Routing, unknown>;

  for (const [name, value] of [["starts_at", starts_at], ["expires_at", expires_at]] as const) {
    if (value === undefined) continue;
    if (isTime(value)) rules[name] = value;
    else invalid.push(`routing.${name}`);
  }
  if (fallback_url !== undefined) {
    const location = toLocation(fallback_url);
    if (location !== null) rules.fallback_url = location;
    else invalid.push("routing.fallback_url");
  }
  if (ruleList !== undefined) {
    if (!Array.isArray(ruleList)) invalid.push("routing.rules");
    else {
      const kept: RoutingRule[] = [];
      for (const [i, rule] of ruleList.slice(0, RULE_LIMITS.rules).entries()) {
        const when = isObject(rule) ? checkWhen(rule.when) : null;
        const location = isObject(rule) ? toLocation(rule.url) : null;
        if (when !== null && location !== null) kept.push({ when, url: location });
        else invalid.push(`routing.rules[${i}]`);
      }
      if (ruleList.length > RULE_LIMITS.rules) invalid.push("routing.rules");
      if (kept.length > 0) rules.rules = kept;
    }
  }
  if (variants !== undefined) {
    const kept = Array.isArray(variants) && variants.length >= RULE_LIMITS.variants.min && variants.length <= RULE_LIMITS.variants.max
      ? variants.map((v) => {
          const location = isObject(v) ? toLocation(v.url) : null;
          const weight = isObject(v) ? v.weight : null;
          return location !== null && Number.isInteger(weight) && (weight as number) >= 1 ? { url: location, weight: weight as number } : null;
        })
      : [null];
    if (kept.every((v) => v !== null) && kept.reduce((n, v) => n + v!.weight, 0) === 100) rules.variants = kept as Array<{ url: string; weight: number }>;
    else invalid.push("routing.variants");
  }
  if (forward_query !== undefined) {
    if (typeof forward_query === "boolean") rules.forward_query = forward_query;
    else invalid.push("routing.forward_query");
  }
  if (utm !== undefined) {
    const fields = isObject(utm) ? Object.entries(utm) : null;
    if (fields !== null && fields.every(([k, v]) => (UTM_FIELDS as readonly string[]).includes(k) && typeof v === "string" && v.length <= RULE_LIMITS.utm_value)) {
      rules.utm = Object.fromEntries(fields.map(([k, v]) => [k, (v as string).toWellFormed()]));
    } else invalid.push("routing.utm");
  }
  return { rules: withUtmApplied(rules), invalid };
}

/**
 * The same settings with their UTM tags already added to every URL they may choose: the chooser
 * would add them to whichever it chose, on every scan; done once here, a scan costs no URL parse
 * unless its query string is forwarded.
 */
function withUtmApplied(rules: DestinationRules): DestinationRules {
  const { utm, ...rest } = rules;
  if (!utm || Object.keys(utm).length === 0) return rest;
  const tag = (url: string) => withQuery(url, { utm }, "");
  return {
    ...rest,
    url: tag(rest.url),
    ...(rest.fallback_url === undefined ? {} : { fallback_url: tag(rest.fallback_url) }),
    ...(rest.rules === undefined ? {} : { rules: rest.rules.map((r) => ({ ...r, url: tag(r.url) })) }),
    ...(rest.variants === undefined ? {} : { variants: rest.variants.map((v) => ({ ...v, url: tag(v.url) })) }),
  };
}
