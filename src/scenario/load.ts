// Reading a scenario file: bytes to JSON (json-file.ts), the `extends` chain (extends.ts), the schema with
// every issue it finds (schema-problems.ts), the checks across fields (references.ts, feasibility.ts), then
// the simulator's Scenario (normalize.ts). A file with problems yields all of them, each naming its path;
// loadScenario throws them as one ScenarioError whose message is the first, in one line.

import { originOf, resolveExtends } from "./extends.ts";
import { feasibilityProblems } from "./feasibility.ts";
import { type Read, parseJsonText, readJsonFile } from "./json-file.ts";
import { normalize } from "./normalize.ts";
import { scenarioParts } from "./parts.ts";
import { type Problem, ScenarioError } from "./problems.ts";
import { referenceProblems } from "./references.ts";
import { scenarioSchema } from "./schema.ts";
import { isRecord } from "./schema-paths.ts";
import { schemaProblems } from "./schema-problems.ts";
import { sizeProblems } from "./size-limits.ts";
import { traceProblems, withTraceFiles, workloadProblems } from "./trace-check.ts";
import type { Scenario } from "./types.ts";

export { ScenarioError, formatPath } from "./problems.ts";
export type { Problem } from "./problems.ts";

/** What reading a scenario found: the scenario when the file is valid, and every error otherwise. */
export interface ScenarioCheck {
  readonly scenario: Scenario | undefined;
  /** Every error, in the order the file's checks find them; empty exactly when `scenario` is set. */
  readonly errors: readonly Problem[];
}

export interface LoadOptions {
  /** A trace file (from the working folder) in place of the scenario's trace or synthetic arrivals (--trace-in). */
  readonly traceIn?: string | undefined;
}

export function loadScenario(file: string, options: LoadOptions = {}): Scenario {
  return scenarioOrThrow(file, checkScenarioFile(file, options));
}

/** Parses scenario text as if read from `file` (whose folder an `extends` is relative to). */
export function parseScenario(text: string, file: string): Scenario {
  return scenarioOrThrow(file, checkScenarioText(text, file));
}

export function checkScenarioFile(file: string, options: LoadOptions = {}): ScenarioCheck {
  return checkScenarioDocument(file, readJsonFile(file), options);
}

export function checkScenarioText(text: string, file: string): ScenarioCheck {
  return checkScenarioDocument(file, parseJsonText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
}

/** A JSON Schema document (such as scenarios/schema.json) rather than a scenario. */
export function isJsonSchemaDocument(document: unknown): boolean {
  return isRecord(document) && typeof document.$schema === "string" && /^https?:\/\/json-schema\.org\//.test(document.$schema);
}

/** Checks a document already read from `file` (json-file.ts), e.g. by a caller that looked at it first. */
export function checkScenarioDocument(file: string, read: Read<unknown>, options: LoadOptions = {}): ScenarioCheck {
  if (!read.ok) return { scenario: undefined, errors: [{ path: read.path, message: read.problem }] };
  if (isJsonSchemaDocument(read.value)) {
    return { scenario: undefined, errors: [{ path: "", message: "is a JSON Schema, not a scenario ('schedlab validate' checks that it is the current one)" }] };
  }
  const resolved = resolveExtends(file, read.value);
  // A broken chain leaves fields missing that the base would have given: those would only be noise.
  if (resolved.problems.length > 0) return { scenario: undefined, errors: resolved.problems };
  const traced = withTraceFiles(resolved.document, resolved.origins, options.traceIn);
  if (traced.problem !== undefined) return { scenario: undefined, errors: [traced.problem] };
  const document = traced.document;
  const found = schemaProblems(document);
  if (isRecord(document)) {
    const parts = scenarioParts(document);
    found.push(...workloadProblems(document), ...referenceProblems(parts), ...feasibilityProblems(parts));
  }
  const errors = found.map((problem) => ({ ...problem, origin: problem.origin ?? originOf(resolved.origins, pathParts(problem.path)) }));
  if (errors.length > 0) return { scenario: undefined, errors };
  const scenario = normalize(scenarioSchema.parse(document));
  // Read last, and only for an otherwise valid file: a trace can be long.
  const traces = traceProblems(scenario);
  const late = traces.problems.length > 0 ? traces.problems : sizeProblems(scenario, traces.rows);
  return late.length > 0 ? { scenario: undefined, errors: late } : { scenario, errors: [] };
}

function scenarioOrThrow(file: string, check: ScenarioCheck): Scenario {
  if (check.scenario === undefined) throw ScenarioError.of(file, check.errors);
  return check.scenario;
}

/** `providers[0].latency` back to ["providers", 0, "latency"], for finding where a value came from. */
function pathParts(path: string): PropertyKey[] {
  const parts: PropertyKey[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (match[1] !== undefined) parts.push(match[1]);
    else if (match[2] !== undefined) parts.push(Number(match[2]));
    else if (match[3] !== undefined) parts.push(JSON.parse(match[3]) as string);
  }
  return parts;
}
