import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_FILES_AT_ONCE } from "../test/parallelism.ts";

// The shared packages' unit tests run in workerd too, where their code runs in production.
export default defineConfig({
  plugins: [cloudflareTest({ miniflare: { compatibilityDate: "2026-08-01", compatibilityFlags: ["nodejs_compat"] } })],
  test: { name: "packages", include: ["*/src/**/*.test.ts"], maxWorkers: TEST_FILES_AT_ONCE },
});
