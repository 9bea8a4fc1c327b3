// Names in a scenario that must match something: unique list names, providers that templates, the
// orchestrator and rate control name, declared resources, and the tenants, lanes, modes and templates that limits, weights,
// quotas and priorities are keyed by. A name that matches nothing can never take effect, so it is an error,
// with a did-you-mean.

import { GROUP_BY, type GroupBy } from "../policies/queues/queue-context.ts";
import { providersNamedIn } from "../policies/rate-control/rate-control.ts";
import type { ScenarioParts } from "./parts.ts";
import { type Problem, formatPath, quote } from "./problems.ts";
import { scenarioSchema } from "./schema.ts";
import { isNamedRecordAt, isRecord } from "./schema-paths.ts";
import { didYouMean, haveList } from "./suggest.ts";
import { LANES, MODES } from "./types.ts";

export function referenceProblems(parts: ScenarioParts): Problem[] {
  return [
    ...uniqueNames(parts),
    ...providerReferences(parts),
    ...resourceReferences(parts),
    ...tenantLimitReferences(parts),
    ...queueReferences(parts),
  ];
}

function uniqueNames(parts: ScenarioParts): Problem[] {
  const problems: Problem[] = [];
  for (const list of ["providers", "templates", "policies"] as const) {
    const seen = new Map<string, number>();
    parts.names[list].forEach((name, index) => {
      if (name === undefined) return;
      const first = seen.get(name);
      if (first !== undefined) problems.push({ path: `${list}[${index}].name`, message: `${quote(name)} is already the name of ${list}[${first}]` });
      else seen.set(name, index);
    });
  }
  return problems;
}

function providerReferences(parts: ScenarioParts): Problem[] {
  const names = parts.names.providers.filter((name): name is string => name !== undefined);
  const problems: Problem[] = [];
  const check = (path: string, name: unknown): void => {
    if (typeof name === "string" && !names.includes(name)) {
      problems.push({ path, message: `no provider is named ${quote(name)}${didYouMean(name, names)} ${haveList(names)}` });
    }
  };
  check("orchestrator_provider", parts.raw.orchestrator_provider);
  entries(parts.raw.templates).forEach((template, index) => {
    check(`templates[${index}].provider`, template.provider);
    if (isRecord(template.role_providers)) {
      for (const [role, name] of Object.entries(template.role_providers)) check(formatPath(["templates", index, "role_providers", role]), name);
    }
  });
  for (const { index, value } of parts.policies) {
    check(`policies[${index}].orchestrator_provider`, value.orchestrator_provider);
    for (const { path, name } of providersNamedIn(value.rate_control)) check(formatPath(["policies", index, "rate_control", ...path]), name);
  }
  return problems;
}

function resourceReferences(parts: ScenarioParts): Problem[] {
  const problems: Problem[] = [];
  const declared = parts.resources ?? {};
  for (const key of Object.keys(declared)) {
    if (/^(global|provider:|mode:|project:)/.test(key)) {
      problems.push({ path: formatPath(["resources", key]), message: "global, provider:, mode: and project: resources come from providers and policies; name it otherwise" });
    }
  }
  entries(parts.raw.templates).forEach((template, index) => {
    if (!isRecord(template.resources)) return;
    for (const [key, amount] of Object.entries(template.resources)) {
      const path = formatPath(["templates", index, "resources", key]);
      const limit = declared[key];
      if (limit === undefined) {
        problems.push({ path, message: `${quote(key)} is not declared in the scenario's resources${didYouMean(key, Object.keys(declared))} ${haveList(Object.keys(declared))}` });
      } else if (typeof amount === "number" && amount > limit) {
        problems.push({ path, message: `takes ${amount} but the limit is ${limit}: such tasks could never run` });
      }
    }
  });
  return problems;
}

/** project_limits and project_mention_limits are keyed by tenant. */
function tenantLimitReferences(parts: ScenarioParts): Problem[] {
  const problems: Problem[] = [];
  if (parts.tenantsFromTraces) return problems;
  entries(parts.raw.policies).forEach((policy, index) => {
    for (const field of ["project_limits", "project_mention_limits"]) {
      const limits = policy[field];
      if (!isRecord(limits)) continue;
      for (const tenant of Object.keys(limits)) {
        if (!parts.tenants.includes(tenant)) problems.push(noSuchValue(["policies", index, field, tenant], "tenant", tenant, parts.tenants));
      }
    }
  });
  return problems;
}

/** A queue's weights, quanta, quotas and priorities are keyed by the values of its group_by; mlfq names lanes. */
function queueReferences(parts: ScenarioParts): Problem[] {
  const problems: Problem[] = [];
  entries(parts.raw.policies).forEach((policy, index) => {
    const queue = policy.queue;
    if (!isRecord(queue)) return;
    const groupBy = queue.group_by ?? "tenant";
    const open = groupBy === "tenant" && parts.tenantsFromTraces;
    const known = !open && typeof groupBy === "string" && (GROUP_BY as readonly string[]).includes(groupBy) ? groupValues(parts, groupBy as GroupBy) : undefined;
    for (const [option, value] of Object.entries(queue)) {
      const path = ["policies", index, "queue", option];
      if (known !== undefined && isRecord(value) && isNamedRecordAt(scenarioSchema, parts.raw, path)) {
        for (const key of Object.keys(value)) {
          if (!known.values.includes(key)) problems.push(noSuchValue([...path, key], known.what, key, known.values));
        }
      }
    }
    if (queue.kind === "mlfq" && Array.isArray(queue.lanes)) {
      queue.lanes.forEach((lane: unknown, laneIndex: number) => {
        if (typeof lane === "string" && !(LANES as readonly string[]).includes(lane)) problems.push(noSuchValue(["policies", index, "queue", "lanes", laneIndex], "lane", lane, LANES));
      });
    }
  });
  return problems;
}

/**
 * The group values a queue can see. Tenants and templates are those of the scenario's templates; lanes and
 * modes are the format's fixed names (a weight for a lane no template uses yet is not a typo). Jobs are
 * numbered at run time, so `job` keys are not checked.
 */
function groupValues(parts: ScenarioParts, groupBy: GroupBy): { what: string; values: readonly string[] } | undefined {
  switch (groupBy) {
    case "tenant":
    case "project":
      return { what: "tenant", values: parts.tenants };
    case "lane":
      return { what: "lane", values: LANES };
    case "mode":
      return { what: "mode", values: MODES };
    case "template":
      return { what: "template", values: parts.names.templates.filter((name): name is string => name !== undefined) };
    case "job":
      return undefined;
  }
}

function noSuchValue(path: readonly PropertyKey[], what: string, name: string, values: readonly string[]): Problem {
  const whose = what === "tenant" || what === "template" ? ` no template has ${what === "tenant" ? "tenant" : "the name"} ${quote(name)}` : ` ${quote(name)} is not a ${what}`;
  return { path: formatPath(path), message: `${whose.trim()}${didYouMean(name, values)} ${haveList(values)}` };
}

/** The entries of a raw list that are objects, by their index (others are the schema's to report). */
function entries(list: unknown): Record<string, unknown>[] {
  return Array.isArray(list) ? list.map((entry: unknown) => (isRecord(entry) ? entry : {})) : [];
}
