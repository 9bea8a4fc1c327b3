// Settings that run but probably not as meant: overloads (load-estimate.ts) and reapers that stop working
// workers (reap-gaps.ts). `validate` prints them; run and compare print them on stderr and go on.

import { overloadWarnings } from "./load-estimate.ts";
import type { Problem } from "./problems.ts";
import { reapWarnings } from "./reap-gaps.ts";
import type { Scenario } from "./types.ts";

export function scenarioWarnings(scenario: Scenario): Problem[] {
  return [...overloadWarnings(scenario), ...reapWarnings(scenario)];
}
