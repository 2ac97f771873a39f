import { defineConfig } from "vitest/config";
import { buildDashboard } from "./scripts/build-dashboard.ts";

// The API worker serves the dashboard's built files (wrangler.api.toml [assets]).
buildDashboard();

// One project per worker (each in its own workerd), one for the shared packages, and the
// end-to-end suite that drives the real local stack from Node.
export default defineConfig({
  test: {
    projects: ["workers/*", "packages", "test/e2e"],
  },
});
