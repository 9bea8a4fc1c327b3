// zod's issues as scenario problems: every issue, each with its path, the value that was there, and for an
// unknown field, an enum value or a distribution kind the closest valid one.

import type { z } from "zod";
import { type Problem, formatPath, preview, quote } from "./problems.ts";
import { scenarioSchema } from "./schema.ts";
import { fieldsAt } from "./schema-paths.ts";
import { didYouMean } from "./suggest.ts";

export function schemaProblems(document: unknown): Problem[] {
  const parsed = scenarioSchema.safeParse(document);
  if (parsed.success) return [];
  return parsed.error.issues.flatMap((issue) => problemsOf(issue as z.core.$ZodIssue, document));
}

function problemsOf(issue: z.core.$ZodIssue, document: unknown): Problem[] {
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const fields = fieldsAt(scenarioSchema, document, issue.path);
    return issue.keys.map((key) => ({ path, message: `unknown field ${quote(key)}${didYouMean(key, fields)}` }));
  }
  const value = valueAt(document, issue.path);
  if (value === undefined) {
    return [{ path, message: issue.code === "invalid_type" ? `missing: expected ${issue.expected}` : issue.message }];
  }
  return [{ path, message: `${issue.message} (got ${preview(value)})${suggestion(issue, value)}` }];
}

/** For a string that should have been one of a few names, the closest of them. */
function suggestion(issue: z.core.$ZodIssue, value: unknown): string {
  if (typeof value !== "string") return "";
  if (issue.code === "invalid_value") return didYouMean(value, issue.values.filter((option): option is string => typeof option === "string"));
  if (issue.code === "invalid_union" && "options" in issue && Array.isArray(issue.options)) {
    return didYouMean(value, (issue.options as unknown[]).filter((option): option is string => typeof option === "string"));
  }
  return "";
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}
