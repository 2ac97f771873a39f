import * as z from "zod/mini";
import { SHORT_CODE_PATTERN } from "@qr3/core/short-code";
import { describedAs, integerParam, Timestamp } from "./common.ts";
import { API_LIMITS, CODE_SORTS, DEFAULT_CODE_SORT } from "./limits.ts";
import { hostname } from "./domains.ts";
import { CodeRouting, routingFields, scheduleInOrder } from "./routing.ts";
import { destinationUrl } from "./urls.ts";
import { CodeLogo, QrDesign, QrStyleBody } from "./qr.ts";

const shortCode = z.string().check(z.regex(SHORT_CODE_PATTERN, 'must be 3 to 64 letters, digits, "-" or "_"'));
export const CODE_STATUSES = ["active", "disabled"] as const;

const { code_name, code_tags, external_id } = API_LIMITS;

/** A tag as stored and matched: trimmed and lower-cased, so that "Summer " and "summer" are one tag. */
export const normalizeTag = (tag: string) => tag.trim().toLowerCase();
/** Tags as stored: each normalised, duplicates dropped, in the order first given. */
export const normalizeTags = (tags: readonly string[]) => [...new Set(tags.map(normalizeTag))];

const name = z.string().check(z.minLength(1), z.maxLength(code_name.max));
const externalId = z.string().check(z.minLength(1), z.maxLength(external_id.max));
const tag = z.string().check(z.overwrite(normalizeTag), z.minLength(1), z.maxLength(code_tags.tag_max));
// The limit counts the tags stored: duplicates, dropped, do not count.
const tags = z
  .pipe(z.array(tag), z.transform((list: string[]) => normalizeTags(list)))
  .check(z.maxLength(code_tags.max, `must hold at most ${code_tags.max} tags`));

export const CreateCodeBody = z
  .strictObject({
    url: destinationUrl,
    short_code: z.optional(shortCode),
    name: z.optional(z.nullable(name)),
    tags: z.optional(tags),
    external_id: z.optional(z.nullable(externalId)),
    domain: z.optional(z.nullable(hostname)).register(z.globalRegistry, {
      description: "An active branded domain of the workspace; our own domain when absent or null.",
    }),
    qr_style: z.optional(z.nullable(QrStyleBody)),
    ...routingFields,
  })
  .check(scheduleInOrder)
  .register(z.globalRegistry, { id: "CreateCodeBody" });
export type CreateCodeBody = z.output<typeof CreateCodeBody>;

/** How many codes a bulk create takes: the API checks the count first, then each item apart. */
export const bulkCodeCount = () =>
  [z.minLength(1, "must hold at least one code"), z.maxLength(API_LIMITS.bulk_codes.max, `must hold at most ${API_LIMITS.bulk_codes.max} codes`)] as const;

export const BulkCreateCodesBody = z
  .strictObject({ codes: z.array(CreateCodeBody).check(...bulkCodeCount()) })
  .register(z.globalRegistry, { id: "BulkCreateCodesBody", description: "All or nothing: any bad item and none is created." });

const tagList = z
  .pipe(z.array(tag), z.transform((list: string[]) => normalizeTags(list)))
  .check(z.minLength(1, "must hold at least one tag"), z.maxLength(code_tags.max, `must hold at most ${code_tags.max} tags`));

export const BulkUpdateCodesBody = z
  .strictObject({
    ids: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.minLength(1), z.maxLength(API_LIMITS.bulk_codes.max))),
    tag: z.optional(tag),
    set: z.strictObject({
      url: z.optional(destinationUrl),
      status: z.optional(z.enum(CODE_STATUSES)),
      add_tags: z.optional(tagList),
      remove_tags: z.optional(tagList),
      qr_style: z.optional(z.nullable(QrStyleBody)).register(z.globalRegistry, {
        description: "One design for every code: its fields over the default design (not over each code's own); null resets every code's design.",
      }),
    }),
  })
  .register(z.globalRegistry, {
    id: "BulkUpdateCodesBody",
    description: `Either ids or tag names the codes (at most ${API_LIMITS.bulk_codes.max}); set holds at least one change.`,
  });
export type BulkUpdateCodesBody = z.output<typeof BulkUpdateCodesBody>;

export const BulkUpdated = z
  .object({ updated: z.int().register(z.globalRegistry, { description: "How many codes were changed." }) })
  .register(z.globalRegistry, { id: "BulkUpdated" });

export const UpdateCodeBody = z
  .strictObject({
    url: z.optional(destinationUrl),
    status: z.optional(z.enum(CODE_STATUSES)),
    name: z.optional(z.nullable(name)),
    tags: z.optional(tags),
    external_id: z.optional(z.nullable(externalId)),
    qr_style: z.optional(z.nullable(QrStyleBody)),
    ...routingFields,
  })
  .register(z.globalRegistry, {
    id: "UpdateCodeBody",
    description:
      "At least one field. null clears name, external_id and each redirect setting ([] clears rules and variants) and resets qr_style; tags, rules and variants replace their lists; qr_style's fields replace the stored design's.",
  });

export const Code = z
  .object({
    id: z.string(),
    short_code: z.string(),
    short_url: z.string().register(z.globalRegistry, { description: "The printed link: what the QR code encodes." }),
    domain: z.nullable(z.string()).register(z.globalRegistry, { description: "The branded domain the code is on; null for our own." }),
    url: z.string(),
    status: z.enum(CODE_STATUSES),
    name: z.nullable(z.string()),
    tags: z.array(z.string()).register(z.globalRegistry, { description: "Trimmed and lower-cased, in the order first given." }),
    external_id: z.nullable(z.string()).register(z.globalRegistry, { description: "Your own id for the code, unique in the workspace." }),
    ...CodeRouting,
    qr_style: QrDesign,
    logo: z.nullable(CodeLogo),
    total_scans: z.int(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .register(z.globalRegistry, { id: "Code" });
export type Code = z.output<typeof Code>;

/** `?tag=` once or repeated: always a list, normalised as stored tags are. */
const tagFilter = z
  .pipe(z.union([z.string(), z.array(z.string())]), z.transform((v: string | string[]) => normalizeTags(typeof v === "string" ? [v] : v)))
  .check(
    z.refine((list: string[]) => list.every((t) => t.length >= 1 && t.length <= code_tags.tag_max), `must be 1 to ${code_tags.tag_max} characters`),
    z.maxLength(code_tags.max, `must be given at most ${code_tags.max} times`),
  )
  .register(z.globalRegistry, {
    ...describedAs({ type: "array", items: { type: "string", minLength: 1, maxLength: code_tags.tag_max }, maxItems: code_tags.max }),
    description: "Codes carrying every tag given; repeat it for more than one.",
  });

/**
 * GET /v1/codes. `cursor` is the next_cursor of the previous page: a code id for the default sort
 * (as for every other list), an opaque token of the sort value and id for the others.
 */
export const CodeListQuery = z.strictObject({
  limit: integerParam(1, API_LIMITS.page_size.max, API_LIMITS.page_size.default),
  cursor: z.optional(z.string().check(z.minLength(1, "is not a valid cursor"), z.maxLength(1024, "is not a valid cursor"))),
  q: z.optional(z.string().check(z.minLength(1), z.maxLength(API_LIMITS.code_search.max))).register(z.globalRegistry, {
    description: "Matches name, short code or destination containing this text, ignoring case.",
  }),
  tag: z.optional(tagFilter),
  status: z.optional(z.enum(CODE_STATUSES)),
  external_id: z.optional(externalId),
  sort: z._default(z.enum(CODE_SORTS), DEFAULT_CODE_SORT).register(z.globalRegistry, {
    description: "Newest first by default; codes without a name come last by name.",
  }),
});

export const TagSummary = z
  .object({
    tag: z.string(),
    codes: z.int().register(z.globalRegistry, { description: "How many codes carry it." }),
    total_scans: z.int().register(z.globalRegistry, { description: "The scans of those codes, together." }),
  })
  .register(z.globalRegistry, { id: "TagSummary" });
export type TagSummary = z.output<typeof TagSummary>;

