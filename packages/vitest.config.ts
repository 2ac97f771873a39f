import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The shared packages' unit tests run in workerd too, where their code runs in production.
export default defineConfig({
  plugins: [cloudflareTest({ miniflare: { compatibilityDate: "2026-08-01", compatibilityFlags: ["nodejs_compat"] } })],
  test: { name: "packages", include: ["*/src/**/*.test.ts"] },
});
