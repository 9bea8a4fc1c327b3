// The `schedlab/policies` package entry: the production admission code (lease ledger, ready queues, DAG
// scheduler, async facade, rate-limit controllers, which policies/index.ts re-exports) and the real clock and
// timers to run it with. Re-exports only.

export * from "./policies/index.ts";
export { SystemClock } from "./runtime/system-clock.ts";
export { SystemTimers, systemEnvironment } from "./runtime/system-timers.ts";
