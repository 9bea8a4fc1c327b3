export * from "./admission.ts";
export * from "./assert.ts";
export * from "./clock.ts";
export * from "./deque.ts";
export * from "./fifo-queue.ts";
export * from "./lease-ledger.ts";
export * from "./ready-queue.ts";
