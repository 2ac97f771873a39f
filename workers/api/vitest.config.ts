import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "../../wrangler.api.toml" },
      miniflare: {
        // Only for vitest's own runner, which imports node:inspector; the workers do not use Node APIs.
        compatibilityFlags: ["nodejs_compat"],
        bindings: { TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL("../../migrations", import.meta.url))) },
      },
    }),
  ],
  test: { name: "api", include: ["src/**/*.test.ts", "test/**/*.test.ts"], setupFiles: ["../../test/apply-migrations.ts"] },
}));
