import * as z from "zod/mini";
import { SHORT_CODE_PATTERN } from "@qr3/core/short-code";
import { Timestamp } from "./common.ts";
import { destinationUrl } from "./urls.ts";

const shortCode = z.string().check(z.regex(SHORT_CODE_PATTERN, 'must be 3 to 64 letters, digits, "-" or "_"'));
export const CODE_STATUSES = ["active", "disabled"] as const;

export const CreateCodeBody = z
  .strictObject({
    url: destinationUrl,
    short_code: z.optional(shortCode),
  })
  .register(z.globalRegistry, { id: "CreateCodeBody" });

export const UpdateCodeBody = z
  .strictObject({
    url: z.optional(destinationUrl),
    status: z.optional(z.enum(CODE_STATUSES)),
  })
  .register(z.globalRegistry, { id: "UpdateCodeBody", description: "At least one of url and status." });

export const Code = z
  .object({
    id: z.string(),
    short_code: z.string(),
    short_url: z.string().register(z.globalRegistry, { description: "The printed link: what the QR code encodes." }),
    url: z.string(),
    status: z.enum(CODE_STATUSES),
    total_scans: z.int(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .register(z.globalRegistry, { id: "Code" });
export type Code = z.output<typeof Code>;

export const QrQuery = z.strictObject({
  ecc: z._default(z.enum(["L", "M", "Q", "H"]), "M"),
});
