// The absolute performance targets of the simulator core and the queues (checked by `schedlab bench
// --check`): they say what the code must reach on the 2-core CI machine, whatever the baseline says.

import type { Figure } from "./figures.ts";
import { ONE_MILLION_WALL } from "./one-million-suite.ts";
import { BACKLOGS, GROUP_COUNTS, queueFigureName } from "./queue-suite.ts";

export interface TargetCheck {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: number;
  readonly atLeast: boolean;
  readonly met: boolean;
}

function check(name: string, value: number, unit: string, target: number, atLeast: boolean): TargetCheck {
  return { name, value, unit, target, atLeast, met: atLeast ? value >= target : value <= target };
}

/** Targets whose figures this run measured. */
export function targetChecks(figures: readonly Figure[], queueKinds: readonly string[]): TargetCheck[] {
  const byName = new Map(figures.map((figure) => [figure.name, figure.value]));
  const checks: TargetCheck[] = [];
  const heap = byName.get("event heap pop+push, 1,000 pending");
  if (heap !== undefined) checks.push(check("event heap pop+push, 1,000 pending", heap, "ops/s", 5_000_000, true));
  const million = byName.get("1M-job scenario: simulated jobs per CPU second");
  if (million !== undefined) {
    checks.push(check("1M-job scenario: simulated jobs per CPU second", million, "jobs/s", 200_000, true));
  }
  const wall = byName.get(ONE_MILLION_WALL);
  if (wall !== undefined) checks.push(check(ONE_MILLION_WALL, wall, "s", 5, false));
  const rss = byName.get("1M-job scenario: peak RSS");
  if (rss !== undefined) checks.push(check("1M-job scenario: peak RSS", rss, "MB", 1024, false));
  const smallest = BACKLOGS[0];
  const largest = BACKLOGS[BACKLOGS.length - 1] as number;
  for (const kind of queueKinds) {
    for (const groups of GROUP_COUNTS) {
      const first = byName.get(queueFigureName(kind, smallest, groups));
      const last = byName.get(queueFigureName(kind, largest, groups));
      if (first === undefined || last === undefined) continue;
      checks.push(check(`queue ${kind}, ${groups} groups: cost per task 1M / 1k queued`, first / last, "×", 3, false));
      if (groups === 64) checks.push(check(queueFigureName(kind, largest, groups), last, "tasks/s", 1_000_000, true));
    }
  }
  return checks;
}
