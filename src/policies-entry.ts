// The `schedlab/policies` package entry: the production admission code (lease ledger, ready queues, DAG
// scheduler, async facade) and the real clock and timers to run it with. Re-exports only.
// When src/policies/rate-control/index.ts exists, re-export it here too.

export * from "./policies/index.ts";
export { SystemClock } from "./runtime/system-clock.ts";
export { SystemTimers, systemEnvironment } from "./runtime/system-timers.ts";
