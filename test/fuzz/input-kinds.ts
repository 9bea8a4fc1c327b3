// What the fuzz harness feeds schedlab: kinds of input file, each able to generate malformed cases. A case is
// a set of files, the command line that reads them, and the JSON path the error must name. Scenario files are
// the first kind (scenario-cases.ts).
//
// Extension point for trace files (issue 11 items 1 and 6, branch `traces`): add a `traceInput: InputKind`
// whose cases write a valid scenario plus a malformed trace (truncated and over-long lines, bad encodings,
// wrong column types, NaN and Infinity spelled as strings, timestamps out of order, huge counts), with
// `argv` `["run", "scenario.json", "--trace-in", "trace.csv"]` (or a scenario whose `workload.trace` names the
// file) and `path` the trace's line and column as its error message names them; then list it in INPUT_KINDS.
// The harness and the property (harness.ts, fuzz.test.ts) need no change.

import type fc from "fast-check";
import { scenarioInput } from "./scenario-cases.ts";

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

export const INPUT_KINDS: readonly InputKind[] = [scenarioInput];
