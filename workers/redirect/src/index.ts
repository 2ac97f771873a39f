import { handleRedirect } from "./redirect.ts";

export default {
  fetch: (request, env, ctx) => handleRedirect(request, env, ctx),
} satisfies ExportedHandler<Env>;
