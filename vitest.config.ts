import { defineConfig } from "vitest/config";

/** Test files that mock modules, stub globals or change the working folder: they get a fresh module registry each. */
const isolated = ["test/cli/files.test.ts", "test/dataverse/deploy.test.ts", "test/gateway/invoke.test.ts", "test/validate/cli.test.ts", "test/workflows/cli.test.ts"];

export default defineConfig({
  test: {
    // Two cores on every machine here: keep the pool small so heavy suites do not starve each other.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      // Most files share their worker's modules: loading the same library once per worker instead of once per file.
      { extends: true, test: { name: "shared", include: ["test/**/*.test.ts", "src/**/*.test.ts"], exclude: isolated, isolate: false } },
      { extends: true, test: { name: "isolated", include: isolated, isolate: true } },
    ],
  },
});
