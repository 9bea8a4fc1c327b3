export * from "./aimd.ts";
export * from "./circuit-breaker.ts";
export * from "./pacing.ts";
export * from "./provider-controller.ts";
export * from "./rate-control.ts";
export * from "./request.ts";
export * from "./retry-budget.ts";
export * from "./retry.ts";
