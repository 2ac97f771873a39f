import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [cloudflareTest({
      wrangler: { configPath: "../../wrangler.ingest.toml" },
      // Only for vitest's own runner, which imports node:inspector; the workers do not use Node APIs.
      miniflare: { compatibilityFlags: ["nodejs_compat"] },
    })],
  test: { name: "ingest", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
