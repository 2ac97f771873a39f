import { defineConfig } from "vitest/config";
import { TEST_FILES_AT_ONCE } from "../parallelism.ts";

// Drives the real local stack (wrangler dev: workerd, local D1, KV and Queues) from Node. Each
// file starts its own stack (a free port, a state directory of its own), so files run side by
// side; with the workerd projects' number of files at once, vitest runs this project beside
// them, not after them (projects of another number form a group of their own), and a file's
// waits on queues and retries overlap the others' work.
export default defineConfig({
  test: {
    name: "e2e",
    include: ["**/*.e2e.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: TEST_FILES_AT_ONCE,
  },
});
