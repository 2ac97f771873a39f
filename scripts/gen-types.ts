// Generates each worker's Env type from its wrangler config (`--check`: fails if any is stale).
import { execFileSync } from "node:child_process";

const targets = [
  ["wrangler.redirect.toml", "workers/redirect/worker-configuration.d.ts"],
  ["wrangler.ingest.toml", "workers/ingest/worker-configuration.d.ts"],
  ["wrangler.api.toml", "workers/api/worker-configuration.d.ts"],
  ["dev/gateway/wrangler.toml", "dev/gateway/worker-configuration.d.ts"],
] as const;

const check = process.argv.includes("--check");
for (const [config, out] of targets) {
  execFileSync(
    "wrangler",
    ["types", "--include-runtime=false", "--strict-vars=false", "-c", config, out, ...(check ? ["--check"] : [])],
    { stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" } },
  );
}
