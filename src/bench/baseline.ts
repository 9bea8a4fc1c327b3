// Comparing a bench run with a saved baseline: each figure's calibrated ratio against the baseline's, and
// a verdict per figure. Pure, so the regression rule is unit-tested without timing anything.

import { readFileSync } from "node:fs";
import { z } from "zod";
import { type BenchReport, comparable, type Figure } from "./figures.ts";

export type Verdict = "ok" | "regressed" | "improved" | "missing" | "new";

export interface FigureComparison {
  readonly name: string;
  readonly unit: string;
  readonly baseline: number | undefined;
  readonly current: number | undefined;
  /** Signed change in the figure's own direction: −0.3 = 30% worse, whichever way "better" points. */
  readonly change: number | undefined;
  readonly verdict: Verdict;
}

export interface BaselineComparison {
  readonly figures: readonly FigureComparison[];
  /** Names of figures worse than the threshold, and of baseline figures this run did not measure. */
  readonly failed: readonly string[];
}

/**
 * `maxRegression` is a fraction (0.2 = 20%). A figure regressed when it got worse by more than that; with
 * `partial` (the run measured only some suites) baseline figures not measured are left out, not failed.
 */
export function compareToBaseline(current: readonly Figure[], baseline: readonly Figure[], maxRegression: number, partial: boolean): BaselineComparison {
  if (!(maxRegression >= 0)) throw new Error(`max regression must be ≥ 0, got ${maxRegression}`);
  const currentByName = new Map(current.map((figure) => [figure.name, figure]));
  const baselineNames = new Set(baseline.map((figure) => figure.name));
  const figures: FigureComparison[] = [];
  for (const before of baseline) {
    if (before.informational === true) continue;
    const now = currentByName.get(before.name);
    if (now === undefined) {
      if (!partial) figures.push({ name: before.name, unit: before.unit, baseline: comparable(before), current: undefined, change: undefined, verdict: "missing" });
      continue;
    }
    figures.push(judge(before, now, maxRegression));
  }
  for (const now of current) {
    if (now.informational !== true && !baselineNames.has(now.name)) figures.push({ name: now.name, unit: now.unit, baseline: undefined, current: comparable(now), change: undefined, verdict: "new" });
  }
  const failed = figures.filter((figure) => figure.verdict === "regressed" || figure.verdict === "missing").map((figure) => figure.name);
  return { figures, failed };
}

function judge(before: Figure, now: Figure, maxRegression: number): FigureComparison {
  const baselineValue = comparable(before);
  const currentValue = comparable(now);
  // Compare like with like: a figure calibrated in one file and raw in the other cannot be judged.
  if ((before.ratio === undefined) !== (now.ratio === undefined)) {
    return { name: now.name, unit: now.unit, baseline: baselineValue, current: currentValue, change: undefined, verdict: "missing" };
  }
  const growth = currentValue / baselineValue - 1;
  const change = now.better === "higher" ? growth : -growth;
  const verdict: Verdict = change < -maxRegression ? "regressed" : change > maxRegression ? "improved" : "ok";
  return { name: now.name, unit: now.unit, baseline: baselineValue, current: currentValue, change, verdict };
}

const FigureSchema = z.object({
  name: z.string().min(1),
  unit: z.string(),
  value: z.number().positive(),
  better: z.enum(["higher", "lower"]),
  ratio: z.number().positive().optional(),
  spread: z.number().nonnegative(),
  informational: z.boolean().optional(),
});
const ReportSchema = z.object({
  schema_version: z.literal(1),
  node: z.string(),
  cpu: z.string(),
  calibration_ops_per_s: z.number().positive(),
  rounds: z.number().int().positive(),
  figures: z.array(FigureSchema).min(1),
});

/** A baseline file that cannot be read or is not a bench report; the CLI prints it in one line. */
export class BaselineError extends Error {
  override name = "BaselineError";
}

export function readBaseline(file: string): BenchReport {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new BaselineError(`--baseline: cannot read "${file}"`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(`${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = ReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined ? "" : issue.path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("").replace(/^\./, "");
    throw new BaselineError(`${file}: ${path === "" ? "" : `${path}: `}${issue?.message ?? "not a schedlab bench report"} (write one with 'schedlab bench --save FILE')`);
  }
  return parsed.data as BenchReport;
}
