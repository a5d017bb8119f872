import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real OPC UA servers and SoftHSM tokens; two cores are all we have.
    maxWorkers: 2,
  },
});
