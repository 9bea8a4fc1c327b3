// Mutation testing of src/policies (docs/checking.md, "Mutation testing"): every mutant of the scheduling code
// should be killed by the tests of test/policies and test/check, or be listed there as equivalent.
// Slow (88 minutes on 2 cores at --concurrency 2 from scratch, 3,749 mutants): `npm run test:mutation`, not in .ci/run.
// One file at a time takes minutes: `npx stryker run --mutate src/policies/FILE.ts` (docs/checking.md).

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts", related: true },
  coverageAnalysis: "perTest",
  mutate: ["src/policies/**/*.ts", "!src/policies/**/index.ts"],
  // Two cores, shared with other work: one test runner. Raise it with --concurrency on a bigger machine.
  concurrency: 1,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  // Git-ignored (reports/*): it records the last run's results by file and test, changes with every edit of
  // src/policies or the tests, and would conflict between branches. CI keeps it in a cache instead.
  incrementalFile: "reports/mutation/stryker-incremental.json",
  clearTextReporter: { allowEmojis: false, logTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 95, low: 90, break: 90 },
  // Inside reports/, which git, eslint and tsc already leave alone: a run in progress disturbs no one.
  tempDirName: "reports/mutation/tmp",
  cleanTempDir: "always",
};
