export * from "./context-kind.ts";
export * from "./context-manager.ts";
export * from "./registry.ts";
export * from "./sliding-window.ts";
export * from "./summarize.ts";
export * from "./summary.ts";
export * from "./tiered.ts";
