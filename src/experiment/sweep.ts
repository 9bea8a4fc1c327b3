// A sweep: a grid of scenario values (sweep-parameters.ts), every chosen policy at every point on the same
// seeds. Each point's scenario is checked by the normal loader; each case (point × policy × seed) is one plain
// run through runSweepCase, and each point is aggregated by compare's own compareFromRuns, so a point's figures
// are exactly those `schedlab compare` gives its scenario. The cases are a flat list of plain data so that a
// runner on worker threads (or a shard of a CI matrix) can run them and hand the summaries back in order.

import type { RunSummary } from "../metrics/collector.ts";
import { resolveExtends } from "../scenario/extends.ts";
import { readJsonFile } from "../scenario/json-file.ts";
import { checkScenarioDocument } from "../scenario/load.ts";
import type { Problem } from "../scenario/problems.ts";
import type { PolicySpec, Scenario } from "../scenario/types.ts";
import { assert } from "../policies/assert.ts";
import { type Comparison, compareFromRuns } from "./compare.ts";
import { runOnce } from "./run.ts";
import { type DocumentKey, type SweepParameter, SweepParameterError, formatValue, locate, overlapping, withValue } from "./sweep-parameters.ts";

export interface Assignment {
  readonly path: string;
  readonly value: unknown;
}

export interface SweepPoint {
  /** One value per parameter, in the order of the parameters. */
  readonly assignments: readonly Assignment[];
  readonly scenario: Scenario;
}

/** One run of a sweep, as plain data. */
export interface SweepCase {
  readonly point: number;
  readonly scenario: Scenario;
  readonly policy: PolicySpec;
  readonly seed: number;
}

export interface SweepRequest {
  readonly parameters: readonly SweepParameter[];
  readonly points: readonly SweepPoint[];
  /** Policy names, the first the baseline; each point runs its own scenario's policy of that name. */
  readonly policies: readonly string[];
  readonly seeds: readonly number[];
}

export interface Sweep {
  readonly parameters: readonly SweepParameter[];
  readonly policies: readonly string[];
  readonly seeds: readonly number[];
  /** Per point, the comparison of its policies over the seeds. */
  readonly points: readonly { readonly assignments: readonly Assignment[]; readonly comparison: Comparison }[];
}

/** How many points a grid has: the product of the value counts. */
export function pointCount(parameters: readonly SweepParameter[]): number {
  return parameters.reduce((count, parameter) => count * parameter.values.length, 1);
}

/** `providers[fast].max_concurrent=4`, the way a point is named in messages and tables. */
export function describeAssignments(assignments: readonly Assignment[]): string {
  return assignments.map((assignment) => `${assignment.path}=${formatValue(assignment.value)}`).join(", ");
}

/**
 * The grid's points, each scenario checked as a file would be. A value the scenario cannot take throws a
 * SweepParameterError naming its --param; so does a combination of values that is only wrong together.
 */
export function sweepPoints(file: string, parameters: readonly SweepParameter[]): SweepPoint[] {
  for (const parameter of parameters) {
    const [first] = parameter.steps;
    if (parameter.steps.length === 1 && first?.kind === "field" && (first.name === "seed" || first.name === "seeds")) {
      throw new SweepParameterError(`--param ${parameter.path}: a sweep runs the same seeds at every point; set them with --seed and --seeds`);
    }
  }
  const document = resolvedDocument(file);
  const keys = parameters.map((parameter) => locate(document, parameter));
  const overlap = overlapping(parameters, keys);
  if (overlap !== undefined) throw new SweepParameterError(`--param ${overlap[1]}: overlaps --param ${overlap[0]}; sweep each value once`);
  // Each value alone first, so that a bad value is named by its own --param rather than by a whole grid point.
  parameters.forEach((parameter, index) => {
    for (const value of parameter.values) pointScenario(file, document, [keys[index] as DocumentKey], [{ path: parameter.path, value }]);
  });
  return grid(parameters).map((assignments) => ({ assignments, scenario: pointScenario(file, document, keys, assignments) }));
}

function resolvedDocument(file: string): unknown {
  const read = readJsonFile(file);
  assert(read.ok, "the sweep's scenario file was loaded before its points are built");
  const resolved = resolveExtends(file, read.value);
  assert(resolved.problems.length === 0, "the sweep's scenario file was loaded before its points are built");
  return resolved.document;
}

function pointScenario(file: string, document: unknown, keys: readonly DocumentKey[], assignments: readonly Assignment[]): Scenario {
  let changed = document;
  assignments.forEach((assignment, index) => {
    changed = withValue(changed, keys[index] as DocumentKey, assignment.value);
  });
  const check = checkScenarioDocument(file, { ok: true, value: changed });
  if (check.scenario !== undefined) return check.scenario;
  const first = check.errors[0] as Problem;
  const more = check.errors.length - 1;
  const subject = assignments.length === 1 ? `--param ${describeAssignments(assignments)}` : `the point ${describeAssignments(assignments)}`;
  throw new SweepParameterError(`${subject}: ${first.path === "" ? "" : `${first.path}: `}${first.message}${more > 0 ? ` (and ${more} more)` : ""}`);
}

/** Every combination of values, the first parameter varying slowest. */
function grid(parameters: readonly SweepParameter[]): Assignment[][] {
  let combinations: Assignment[][] = [[]];
  for (const parameter of parameters) {
    combinations = combinations.flatMap((prefix) => parameter.values.map((value) => [...prefix, { path: parameter.path, value }]));
  }
  return combinations;
}

/** The runs of a sweep in a fixed order: by point, then policy, then seed. */
export function sweepCases(request: SweepRequest): SweepCase[] {
  return request.points.flatMap((point, pointIndex) =>
    request.policies.flatMap((name) => {
      const policy = point.scenario.policies.find((candidate) => candidate.name === name);
      if (policy === undefined) throw new SweepParameterError(`the point ${describeAssignments(point.assignments)} has no policy "${name}"; sweep a policy's fields, not its name`);
      return request.seeds.map((seed) => ({ point: pointIndex, scenario: point.scenario, policy, seed }));
    }),
  );
}

/** One case: the same run `schedlab compare` makes of one policy on one seed. */
export function runSweepCase(sweepCase: SweepCase): RunSummary {
  return runOnce({ scenario: sweepCase.scenario, policy: sweepCase.policy, seed: sweepCase.seed });
}

/** Aggregates the summaries of `sweepCases(request)`, given in that order, point by point. */
export function sweepFromRuns(request: SweepRequest, cases: readonly SweepCase[], summaries: readonly RunSummary[]): Sweep {
  assert(summaries.length === cases.length, "one summary per sweep case");
  const perPoint = request.policies.length * request.seeds.length;
  const points = request.points.map((point, pointIndex) => {
    const runsByPolicy = request.policies.map((_, policyIndex) => {
      const first = pointIndex * perPoint + policyIndex * request.seeds.length;
      const runs = summaries.slice(first, first + request.seeds.length);
      assert(runs.every((run, index) => run.seed === request.seeds[index]), "sweep summaries come in the order of sweepCases");
      return { policy: (cases[first] as SweepCase).policy, runs };
    });
    return { assignments: point.assignments, comparison: compareFromRuns(point.scenario, runsByPolicy, request.seeds) };
  });
  return { parameters: request.parameters, policies: request.policies, seeds: request.seeds, points };
}

/** Runs every case here, one after another; `onCase` is told before each, for progress. */
export function sweep(request: SweepRequest, onCase?: (sweepCase: SweepCase, index: number, total: number) => void): Sweep {
  const cases = sweepCases(request);
  const summaries = cases.map((sweepCase, index) => {
    onCase?.(sweepCase, index, cases.length);
    return runSweepCase(sweepCase);
  });
  return sweepFromRuns(request, cases, summaries);
}
