import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { buildDashboard } from "./scripts/build-dashboard.ts";

// The API worker serves the dashboard's built files (wrangler.api.toml [assets]).
buildDashboard();

// One project per worker (each in its own workerd), one for the shared packages, and the
// end-to-end suite that drives the real local stack from Node.
export default defineConfig({
  test: {
    projects: ["workers/*", "packages", "test/e2e"],
    // One file more than the cores: a file spends much of its time waiting on workerd, wrangler
    // or a browser in another process (vitest's default, one less than the cores, leaves a
    // 2-core machine running one file at a time).
    maxWorkers: availableParallelism() + 1,
  },
});
