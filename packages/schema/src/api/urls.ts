import * as z from "zod/mini";
import { LIMITS } from "../limits.ts";
import { urlCharacterProblem } from "../urls.ts";

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
  z
    .pipe(
      z.string().check(withoutControlCharacters, format),
      z.transform((raw: string) => (URL.canParse(raw) ? new URL(raw).href : raw)),
    )
    .check(z.maxLength(LIMITS.url));

export const destinationUrl = storedUrl(z.url({ protocol: /^https?$/, hostname: z.regexes.hostname }));

// Whether a webhook URL is acceptable, parseable included, is the URL policy's to say (the route
// asks it), so an unparseable one reaches it as typed.
export const webhookUrl = storedUrl(z.minLength(1));
