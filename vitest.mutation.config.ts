// The vitest run Stryker uses for the mutants of src/policies (stryker.config.mjs): the tests meant to kill them,
// without the slower suites of the simulator, the CLI and the reports, which kill no more.

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/policies/**/*.test.ts", "test/check/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
