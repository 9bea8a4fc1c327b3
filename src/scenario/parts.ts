// A scenario document parsed piece by piece: each provider, template and policy on its own, so that the
// checks across pieces (names that must match, requests that must fit) still run on every valid piece when
// another piece is broken. That is how `validate` lists every problem of a file, not only the first kind.

import { type ScenarioFile, scenarioSchema } from "./schema.ts";
import { isRecord } from "./schema-paths.ts";

export type ProviderFile = ScenarioFile["providers"][number];
export type TemplateFile = ScenarioFile["templates"][number];
export type PolicyFile = ScenarioFile["policies"][number];

/** A valid piece of a list and its index in the file. */
export interface Indexed<T> {
  readonly index: number;
  readonly value: T;
}

export interface ScenarioParts {
  /** The document as written (after `extends`). */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly providers: readonly Indexed<ProviderFile>[];
  readonly templates: readonly Indexed<TemplateFile>[];
  readonly policies: readonly Indexed<PolicyFile>[];
  /** The names written in each list, valid entry or not, by index (undefined where an entry has none). */
  readonly names: { readonly providers: readonly (string | undefined)[]; readonly templates: readonly (string | undefined)[]; readonly policies: readonly (string | undefined)[] };
  /** The tenants the scenario's jobs can have: every template's (or the default, "default"). */
  readonly tenants: readonly string[];
  /** A trace maps a column to the tenant: tenants are then known only from the trace's rows, so none is refused. */
  readonly tenantsFromTraces: boolean;
  readonly resources: Readonly<Record<string, number>> | undefined;
  readonly orchestratorProvider: string | undefined;
  readonly workers: ScenarioFile["workers"] | undefined;
}

const shape = scenarioSchema.shape;

export function scenarioParts(raw: Readonly<Record<string, unknown>>): ScenarioParts {
  const templatesRaw = listOf(raw.templates);
  return {
    raw,
    providers: parseEach(raw.providers, (value) => shape.providers.element.safeParse(value)),
    templates: parseEach(raw.templates, (value) => shape.templates.element.safeParse(value)),
    policies: parseEach(raw.policies, (value) => shape.policies.element.safeParse(value)),
    names: { providers: namesOf(raw.providers), templates: namesOf(raw.templates), policies: namesOf(raw.policies) },
    tenants: distinct(templatesRaw.map((template) => stringField(template, "tenant", "default"))),
    tenantsFromTraces: tracesOf(raw.workload).some((trace) => isRecord(trace.columns) && trace.columns.tenant !== undefined),
    resources: valueOf(shape.resources.safeParse(raw.resources)),
    orchestratorProvider: valueOf(shape.orchestrator_provider.safeParse(raw.orchestrator_provider)),
    workers: valueOf(shape.workers.safeParse(raw.workers)),
  };
}

type Parsed<T> = { success: true; data: T } | { success: false };

function parseEach<T>(list: unknown, parse: (value: unknown) => Parsed<T>): Indexed<T>[] {
  const parsed: Indexed<T>[] = [];
  listOf(list).forEach((value, index) => {
    const result = parse(value);
    if (result.success) parsed.push({ index, value: result.data });
  });
  return parsed;
}

function tracesOf(workload: unknown): Readonly<Record<string, unknown>>[] {
  if (!isRecord(workload)) return [];
  return [workload.trace, ...listOf(workload.traces)].filter(isRecord);
}

function valueOf<T>(result: Parsed<T>): T | undefined {
  return result.success ? result.data : undefined;
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function namesOf(list: unknown): (string | undefined)[] {
  return listOf(list).map((entry) => (isRecord(entry) && typeof entry.name === "string" ? entry.name : undefined));
}

/** A string field of a raw entry, its default when absent, or undefined when it is not a string. */
function stringField(entry: unknown, field: string, fallback: string): string | undefined {
  if (!isRecord(entry)) return undefined;
  const value = entry[field];
  return value === undefined ? fallback : typeof value === "string" ? value : undefined;
}

function distinct(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined))];
}
