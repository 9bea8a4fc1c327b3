// Peak memory of runs whose size a file controls, each round in a fresh process (memory.ts): a trace of 100k
// and of 1M lines (streamed, so the two should be close), and the overload case of issue 11 at 5k and 20k jobs
// (backlogs of 1000-call jobs), with 100k jobs checked to be refused up front. Raw megabytes: CPU speed does
// not scale them.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Figure } from "./figures.ts";
import type { MemoryResult } from "./memory.ts";
import { figureOf, type Probe, type Sampler } from "./sampler.ts";

function runChild(kind: "trace" | "overload", count: number): MemoryResult {
  const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const script = fileURLToPath(new URL(`./memory${extension}`, import.meta.url));
  const child = spawnSync(process.execPath, [...process.execArgv, script, kind, String(count)], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`the memory run (${kind} ${count}) failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as MemoryResult;
}

const CASES: readonly { readonly name: string; readonly kind: "trace" | "overload"; readonly count: number }[] = [
  { name: "trace of 100k lines: peak RSS", kind: "trace", count: 100_000 },
  { name: "trace of 1M lines: peak RSS", kind: "trace", count: 1_000_000 },
  { name: "overload, 5k jobs × 1000 calls: peak RSS", kind: "overload", count: 5_000 },
  { name: "overload, 20k jobs × 1000 calls: peak RSS", kind: "overload", count: 20_000 },
];

/** Over this, 100k × 1000 calls is refused by the loader (limits.max_events); the figure is 1 when it is. */
export const OVERLOAD_REFUSED = "overload, 100k jobs × 1000 calls: refused up front";

export function memorySuite(): Probe[] {
  return [memoryFigures];
}

function memoryFigures(sampler: Sampler): Figure[] {
  // Memory figures are raw, but the report still records the machine's calibration speed.
  sampler.calibrate();
  const figures = CASES.map(({ name, kind, count }) => {
    const values: number[] = [];
    for (let round = 0; round < sampler.options.rounds; round += 1) {
      const result = runChild(kind, count);
      if (result.refused !== undefined) throw new Error(`${name}: refused: ${result.refused}`);
      values.push(result.peak_rss_mb);
    }
    return figureOf(name, "MB", "lower", values, undefined);
  });
  const refused = runChild("overload", 100_000).refused !== undefined ? 1 : 0;
  return [...figures, { ...figureOf(OVERLOAD_REFUSED, "yes=1", "higher", [refused], undefined), informational: true }];
}
