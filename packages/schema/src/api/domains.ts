import * as z from "zod/mini";
import { Timestamp } from "./common.ts";

export const DOMAIN_STATUSES = ["pending", "active"] as const;

/**
 * A hostname as given: trimmed and lower-cased, with a trailing dot dropped. Whether it may be a
 * branded domain (a DNS name, not ours, not an IP) is the API's check (hostnameProblem), which
 * needs to know our own domain.
 */
export const hostname = z
  .string()
  .check(
    z.overwrite((h: string) => h.trim().toLowerCase().replace(/\.$/, "")),
    z.minLength(1),
    z.maxLength(253),
  );

export const CreateDomainBody = z.strictObject({ hostname }).register(z.globalRegistry, { id: "CreateDomainBody" });

export const DomainVerification = z
  .object({
    type: z.literal("TXT"),
    name: z.string().register(z.globalRegistry, { description: "The DNS name to put the record on." }),
    value: z.string().register(z.globalRegistry, { description: "What the TXT record must hold." }),
  })
  .register(z.globalRegistry, { id: "DomainVerification" });

export const Domain = z
  .object({
    id: z.string(),
    hostname: z.string(),
    status: z.enum(DOMAIN_STATUSES),
    verification: DomainVerification,
    verified_at: z.nullable(Timestamp),
    created_at: Timestamp,
  })
  .register(z.globalRegistry, { id: "Domain" });
export type Domain = z.output<typeof Domain>;
