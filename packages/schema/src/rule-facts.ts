// Facts of a code's redirect rules that the API's schemas, the redirector's device matcher and the
// dashboard all use. Zod-free, so the redirector and the dashboard may import it
// ("@qr3/schema/rule-facts").

/** The device types a rule may name (ingest's classification of a user agent). */
export const RULE_DEVICE_TYPES = ["mobile", "tablet", "desktop"] as const;
export type RuleDeviceType = (typeof RULE_DEVICE_TYPES)[number];

/**
 * The operating systems a rule may name, spelled as ingest's user agent parser reports them (and
 * the analytics show them). The redirector's own matcher agrees with that parser on each of these.
 */
export const RULE_OS_NAMES = ["iOS", "Android", "Windows", "macOS", "Linux", "ChromeOS"] as const;
export type RuleOs = (typeof RULE_OS_NAMES)[number];

/** The UTM parameters a code may add, each as `utm_<name>`. */
export const UTM_FIELDS = ["source", "medium", "campaign", "term", "content"] as const;
export type UtmField = (typeof UTM_FIELDS)[number];

export const RULE_LIMITS = {
  /** Rules per code. */
  rules: 20,
  /** Variants per code, when it has any. */
  variants: { min: 2, max: 10 },
  /** Values per listed condition (countries, languages, ...). */
  values: 50,
  /** A UTM value, in characters. */
  utm_value: 200,
} as const;

/** Why a scan goes where it goes: what `resolve` answers and the chooser reports. */
export const DESTINATION_REASONS = ["disabled", "not_started", "expired", "capped", "rule", "variant", "default"] as const;
export type DestinationReasonName = (typeof DESTINATION_REASONS)[number];

/** ISO 3166-1 alpha-2: the countries a rule may name, as Cloudflare reports a scan's country. */
export const COUNTRY_CODES = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
    "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
    "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
    "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" "),
);

/** The settings as a code presents them: every field, null (or [], false) when not set. */
export const ROUTING_DEFAULTS = {
  starts_at: null,
  expires_at: null,
  fallback_url: null,
  max_scans: null,
  rules: [],
  variants: [],
  forward_query: false,
  utm: null,
} as const;
