// What the fuzz harness feeds schedlab: kinds of input file, each able to generate malformed cases. A case is
// a set of files, the command line that reads them, and the JSON path the error must name. Scenario files are
// the first kind (scenario-cases.ts); trace files (a valid scenario whose workload.trace names a malformed
// trace) the second (trace-cases.ts).

import type fc from "fast-check";
import { scenarioInput } from "./scenario-cases.ts";
import { traceInput } from "./trace-cases.ts";

export interface FuzzFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface FuzzCase {
  /** What was done to the input, for the counterexample report. */
  readonly description: string;
  readonly files: readonly FuzzFile[];
  /** The file the error must name (given on the command line). */
  readonly mainFile: string;
  /** The command, after `schedlab`; report and event files go to `--out out --events events.jsonl` appended by the harness. */
  readonly argv: readonly string[];
  /**
   * The JSON path the one-line message must name: the bad value's path, or one of its ancestors or
   * descendants (a nested field's object, a too-deep bracket inside it); "" for a problem of the whole file.
   */
  readonly path: string;
}

export interface InputKind {
  readonly name: string;
  readonly cases: fc.Arbitrary<FuzzCase>;
}

export const INPUT_KINDS: readonly InputKind[] = [scenarioInput, traceInput];
