// Loading the scenario of a run or comparison: errors stop the command (exit code 2); warnings are printed
// on stderr and the command goes on, its exit code unchanged.

import { loadScenario } from "../scenario/load.ts";
import { describeProblem } from "../scenario/problems.ts";
import type { Scenario } from "../scenario/types.ts";
import { scenarioWarnings } from "../scenario/warnings.ts";

/** `traceIn`: a trace file (--trace-in) replayed in place of the scenario's trace or synthetic arrivals. */
export function loadScenarioAndWarn(file: string, traceIn?: string): Scenario {
  const scenario = loadScenario(file, { traceIn });
  for (const warning of scenarioWarnings(scenario)) process.stderr.write(`schedlab: warning: ${describeProblem(file, warning)}\n`);
  return scenario;
}
