// The `schedlab` package entry: load a scenario, simulate one policy on one seed, compare policies over
// seeds, and render or write the report files. Re-exports only; the CLI is built on these same calls.

export { ScenarioError, loadScenario, parseScenario } from "./scenario/load.ts";
export * from "./scenario/types.ts";
export { type RunRequest, runOnce } from "./experiment/run.ts";
export { type AggregateRow, type CompareRequest, type Comparison, type PolicyResult, compare, compareFromRuns, compareInParallel, findRow } from "./experiment/compare.ts";
export { type RunCasesOptions, CasesInterrupted } from "./experiment/parallel.ts";
export type { RunSummary } from "./metrics/collector.ts";
export type { Estimate } from "./metrics/confidence.ts";
export { type ReportContext, reportFiles, terminalSummary } from "./report/summary.ts";
export { writeFilesAtomically } from "./report/write.ts";
export type { EventSink, LogEvent, LoggedEvent } from "./eventlog/events.ts";
export { JsonlWriter, MemoryLog, parseJsonl, readJsonl } from "./eventlog/jsonl.ts";
export { EventLimitError } from "./sim/engine.ts";
