// One vitest project per worker, each running inside workerd with the bindings of its wrangler
// config (local D1, KV and Queues, isolated per test file): for the API and ingest workers the
// control database and the shards of config/shards.json, each migrated from its own folder.
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_FILES_AT_ONCE } from "./parallelism.ts";

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

export function workerProject(worker: "redirect" | "ingest" | "api", options: { d1?: boolean } = {}) {
  return defineConfig(async () => ({
    plugins: [
      cloudflareTest({
        wrangler: { configPath: root(`wrangler.${worker}.toml`) },
        miniflare: {
          // Only for vitest's own runner, which imports node:inspector; the workers use no Node APIs.
          compatibilityFlags: ["nodejs_compat"],
          bindings: {
            // Tests run with production's settings, not those of the local stack's .dev.vars.
            WEBHOOK_ALLOW_LOOPBACK: "false",
            LINK_CACHE_SECONDS: "0",
            // A published test key (production's is a Worker secret): it seals webhook secrets in tests.
            WEBHOOK_SECRETS_KEYS: "test-only:menDpB9h7jtgoXFFF19A4QxgH9sRlYto0ANaAWLX8SE=",
            ...(options.d1
              ? {
                  TEST_MIGRATIONS_CONTROL: await readD1Migrations(root("migrations/control")),
                  TEST_MIGRATIONS_SHARD: await readD1Migrations(root("migrations/shard")),
                }
              : {}),
          },
        },
      }),
    ],
    test: {
      name: worker,
      maxWorkers: TEST_FILES_AT_ONCE,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      setupFiles: options.d1 ? [root("test/apply-migrations.ts")] : [],
    },
  }));
}
