// Planted bugs for the fuzz harness: schedlab with one thing broken of what the harness promises to check.
// fuzz.test.ts runs the property against each and expects it to fail, which shows the property can fail.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkScenarioText } from "../../src/scenario/load.ts";
import { SCHEDLAB, type System } from "./harness.ts";

/** Reads files with replacement characters for bad bytes, as a lenient TextDecoder does: invalid UTF-8 slips through. */
const lenientDecoding: System = {
  errorsOf: (file) => {
    try {
      return checkScenarioText(new TextDecoder("utf-8").decode(readFileSync(file)).replaceAll("\u0000", ""), file).errors;
    } catch {
      return SCHEDLAB.errorsOf(file);
    }
  },
  run: SCHEDLAB.run,
};

/** Creates the report folder before the scenario is checked. */
const reportBeforeCheck: System = {
  errorsOf: SCHEDLAB.errorsOf,
  run: async (argv) => {
    const out = argv[argv.indexOf("--out") + 1] as string;
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "summary.md"), "");
    return await SCHEDLAB.run(argv);
  },
};

/** Puts the problem on a second line, as a message that quotes a parser's multi-line error would. */
const twoLineMessage: System = {
  errorsOf: SCHEDLAB.errorsOf,
  run: async (argv) => {
    const outcome = await SCHEDLAB.run(argv);
    return { ...outcome, stderr: outcome.stderr.replace(/: (?=[^:]*\n$)/, ":\n  ") };
  },
};

/** Reports every problem as a problem of the whole file, naming no path. */
const noPaths: System = {
  errorsOf: (file) => SCHEDLAB.errorsOf(file).map((problem) => ({ ...problem, path: "" })),
  run: async (argv) => {
    const outcome = await SCHEDLAB.run(argv);
    return { ...outcome, stderr: outcome.stderr.replace(/^(schedlab: [^:]+: )[^:]*[[.\]][^:]*: /, "$1") };
  },
};

/** Exits 1 for a bad scenario, as a crash would. */
const wrongExitCode: System = {
  errorsOf: SCHEDLAB.errorsOf,
  run: async (argv) => ({ ...(await SCHEDLAB.run(argv)), status: 1 }),
};

/** Lets every row of a trace through: the loader reports no problem of a trace. */
const uncheckedTraces: System = {
  errorsOf: (file) => SCHEDLAB.errorsOf(file).filter((problem) => !problem.path.startsWith("workload.trace")),
  run: SCHEDLAB.run,
};

export const HARNESS_MUTANTS: Readonly<Record<string, System>> = { lenientDecoding, reportBeforeCheck, twoLineMessage, noPaths, wrongExitCode, uncheckedTraces };

/** The input kinds whose cases a mutant breaks; every kind for a mutant not listed. */
export const MUTANT_KINDS: Readonly<Record<string, readonly string[]>> = { lenientDecoding: ["scenario"], uncheckedTraces: ["trace"] };
