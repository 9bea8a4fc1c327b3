// Prints "N passed, N failed" from vitest's JSON report. A test file that failed before running any test
// (an import error) counts as one failure; a missing report or one with no test at all counts as one
// failure too, so CI can never pass by running nothing.
import { readFileSync } from "node:fs";

let report;
try {
  report = JSON.parse(readFileSync(process.argv[2], "utf8"));
} catch (error) {
  console.error(`no readable vitest report at ${process.argv[2]}: ${error.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const brokenFiles = (report.testResults ?? []).filter((file) => file.status === "failed" && (file.assertionResults ?? []).length === 0).length;
let failed = (report.numFailedTests ?? 0) + brokenFiles;
if (passed + failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
