// Events of rate-limit control (issue 9: AIMD limits, circuit breakers) that the report and the trace draw when a
// log has them. Declared here so readers of the log can handle them before every producer emits them; a log
// without them is drawn without those series.

export type ControlEvent =
  /** A controller changed a resource's concurrency limit (e.g. AIMD on `provider:fast`). */
  | { readonly type: "limit_changed"; readonly resource: string; readonly limit: number; readonly reason: string }
  | { readonly type: "circuit_state_changed"; readonly provider: string; readonly state: "closed" | "open" | "half_open" };
