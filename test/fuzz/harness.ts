// Runs one fuzz case the way a user would meet it: its files in a fresh folder, `schedlab run` on them with a
// report folder and an event log asked for, in this process (the binary's own runCli). What must hold, for
// every malformed input: exit code 2, nothing on stdout, one line on stderr naming the file and the path of
// the first problem, a path related to the one the case broke, no file written, and an answer within
// TIME_BOUND_MS (a bound against hangs and blow-ups, far above the few milliseconds a case takes, not a
// speed target).

import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { checkScenarioFile } from "../../src/scenario/load.ts";
import type { Problem } from "../../src/scenario/problems.ts";
import { type Outcome, schedlabInProcess } from "../cli/in-process.ts";
import type { FuzzCase } from "./input-kinds.ts";

export const TIME_BOUND_MS = 5_000;

/** What the harness runs: schedlab's loader and command line, or a variant with a planted bug (mutants.ts). */
export interface System {
  /** Every problem the loader finds in a file. */
  errorsOf(file: string): readonly Problem[];
  /** `schedlab ARGV...`. */
  run(argv: readonly string[]): Promise<Outcome>;
}

export const SCHEDLAB: System = {
  errorsOf: (file) => checkScenarioFile(file).errors,
  run: (argv) => schedlabInProcess(...argv),
};

export class Workspace {
  private readonly root: string;
  private count = 0;
  constructor(parent: string) {
    mkdirSync(parent, { recursive: true });
    this.root = mkdtempSync(join(parent, "fuzz-"));
  }

  /** Checks one case; throws (for fast-check to shrink) with what went wrong. */
  async check(fuzzCase: FuzzCase, system: System = SCHEDLAB): Promise<void> {
    this.count += 1;
    const folder = join(this.root, `case-${this.count}`);
    mkdirSync(folder);
    try {
      await checkIn(folder, fuzzCase, system);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

async function checkIn(folder: string, fuzzCase: FuzzCase, system: System): Promise<void> {
  for (const file of fuzzCase.files) writeFileSync(join(folder, file.name), file.bytes);
  const main = join(folder, fuzzCase.mainFile);
  const started = performance.now();
  const found = system.errorsOf(main);
  const first = found[0];
  if (first === undefined) throw new Error(`accepted a malformed input: ${fuzzCase.description}`);
  const argv = fuzzCase.argv.map((argument) => (fuzzCase.files.some((file) => file.name === argument) ? join(folder, argument) : argument));
  const outcome = await system.run([...argv, "--out", join(folder, "out"), "--events", join(folder, "events.jsonl")]);
  const elapsedMs = performance.now() - started;
  const fail = (what: string): never => {
    throw new Error(`${what}\n  case: ${fuzzCase.description}\n  status ${outcome.status}, stderr: ${outcome.stderr.slice(0, 400)}`);
  };
  if (outcome.status !== 2) fail("exit code is not 2");
  if (outcome.stdout !== "") fail("something was printed on stdout");
  if (!/^schedlab: [^\n]+\n$/.test(outcome.stderr)) fail("stderr is not exactly one line");
  const prefix = `schedlab: ${main}: ${first.path === "" ? "" : `${first.path}: `}`;
  if (!outcome.stderr.startsWith(prefix)) fail(`the line does not start with ${JSON.stringify(prefix)}`);
  if (!related(first.path, fuzzCase.path)) fail(`the first problem's path "${first.path}" is not the broken path "${fuzzCase.path}" nor above or below it`);
  const left = readdirSync(folder).filter((name) => !fuzzCase.files.some((file) => file.name === name));
  if (left.length > 0) fail(`files were written: ${left.map((name) => relative(folder, join(folder, name))).join(", ")}`);
  if (elapsedMs > TIME_BOUND_MS) fail(`took ${Math.round(elapsedMs)} ms, over the ${TIME_BOUND_MS} ms bound`);
}

/** Equal, or one a path inside the other (`a.b` and `a.b[0].c`); a path cut short with "…" counts up to the cut. */
export function related(reported: string, broken: string): boolean {
  // The whole file is above every path, but a message about a value must name where it is.
  if (broken === "" || reported === "") return reported === broken;
  const cut = reported.endsWith("…");
  const shown = cut ? reported.slice(0, -1) : reported;
  const inside = (outer: string, inner: string): boolean => outer === "" || inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return inside(shown, broken) || inside(broken, shown) || (cut && shown.startsWith(broken));
}
