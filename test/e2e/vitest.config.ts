import { defineConfig } from "vitest/config";

// Drives the real local stack (wrangler dev: workerd, local D1, KV and Queues) from Node.
export default defineConfig({
  test: {
    name: "e2e",
    include: ["**/*.e2e.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
