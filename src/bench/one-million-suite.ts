// The 1M-job scenario end to end, each round in a fresh process: simulated jobs per CPU second (calibrated),
// peak memory (raw: CPU speed does not scale it) and wall time (raw, for --check's 5 s target only).

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Figure } from "./figures.ts";
import { figureOf, type Probe, type Sampler } from "./sampler.ts";

/** Not compared with a baseline (wall time counts a busy machine as slowness); --check reads it. */
export const ONE_MILLION_WALL = "1M-job scenario: wall time";

interface MillionResult {
  readonly jobs: number;
  readonly wall_ms: number;
  readonly cpu_ms: number;
  readonly jobs_per_cpu_s: number;
  readonly peak_rss_mb: number;
}

/** The child is the sibling module with this module's extension: .ts under tsx, .js from dist/. */
function runChild(): MillionResult {
  const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const script = fileURLToPath(new URL(`./one-million${extension}`, import.meta.url));
  const child = spawnSync(process.execPath, [...process.execArgv, script], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`the 1M-job run failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as MillionResult;
}

export function oneMillionSuite(): Probe[] {
  return [oneMillionFigures];
}

function oneMillionFigures(sampler: Sampler): Figure[] {
  const results: MillionResult[] = [];
  const throughput = sampler.rate("1M-job scenario: simulated jobs per CPU second", "jobs/s", () => {
    const result = runChild();
    results.push(result);
    return result.jobs_per_cpu_s;
  });
  const rss = figureOf("1M-job scenario: peak RSS", "MB", "lower", results.map((result) => result.peak_rss_mb), undefined);
  const wall = { ...figureOf(ONE_MILLION_WALL, "s", "lower", results.map((result) => result.wall_ms / 1000), undefined), informational: true };
  return [throughput, rss, wall];
}
