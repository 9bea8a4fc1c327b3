// Loading the scenario of a run, comparison or sweep: errors stop the command (exit code 2); warnings are
// printed on stderr and the command goes on, its exit code unchanged.

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

/** The warnings a variant of the loaded scenario (a sweep's point, named by `where`) has and the loaded one had not. */
export function warnAboutVariant(file: string, loaded: Scenario, variant: Scenario, where: string): void {
  const known = new Set(scenarioWarnings(loaded).map((warning) => describeProblem(file, warning)));
  for (const warning of scenarioWarnings(variant)) {
    const text = describeProblem(file, warning);
    if (!known.has(text)) process.stderr.write(`schedlab: warning: at ${where}: ${text}\n`);
  }
}
