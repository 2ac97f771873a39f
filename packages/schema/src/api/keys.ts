import * as z from "zod/mini";
import { SCOPES } from "./scopes.ts";
import { Timestamp } from "./common.ts";

/** The longest name a key may have, in characters. */
export const MAX_KEY_NAME_LENGTH = 100;

export const CreateKeyBody = z
  .strictObject({
    name: z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_KEY_NAME_LENGTH)),
    scopes: z.array(z.enum(SCOPES)).check(z.minLength(1, "must list at least one scope")),
    expires_at: z.optional(z.iso.datetime({ offset: true })),
  })
  .register(z.globalRegistry, { id: "CreateKeyBody", description: "expires_at: a time in the future; without it the key never expires." });

const keyFields = {
  id: z.string(),
  name: z.string(),
  prefix: z.string().register(z.globalRegistry, { description: "The key's first characters, to tell keys apart." }),
  scopes: z.array(z.enum(SCOPES)),
  created_at: Timestamp,
  last_used_at: z.nullable(Timestamp).register(z.globalRegistry, { description: "Kept to the minute." }),
  expires_at: z.nullable(Timestamp),
};

export const ApiKey = z.object(keyFields).register(z.globalRegistry, { id: "ApiKey" });
export type ApiKey = z.output<typeof ApiKey>;

export const CreatedApiKey = z
  .object({ ...keyFields, api_key: z.string().register(z.globalRegistry, { description: "The key itself, shown this once: only its hash is kept." }) })
  .register(z.globalRegistry, { id: "CreatedApiKey" });
export type CreatedApiKey = z.output<typeof CreatedApiKey>;
