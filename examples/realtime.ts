// Real async functions (simulated LLM calls: timers standing in for network latency, some failing, two aborted)
// share provider capacity through AsyncAdmission on the wall clock: the same ledger and FIFO queue that the
// simulator drives on virtual time. Each call goes through its provider's request controller (ControlledCalls):
// the "fast" provider allows 2 requests per 400 ms window and answers 429 with retry-after beyond that, so the
// controller waits what it asks and AIMD lowers fast's limit, in the controller and on the admission's lease.
// Prints every grant, release, 429 and limit change as it happens, then checks the limits held.
//
// Run it:  npx tsx examples/realtime.ts     (about 2 s)

import { strict as assert } from "node:assert";
import {
  AsyncAdmission,
  type CallOutcome,
  ControlledCalls,
  type Demand,
  DEFAULT_RETRY_OPTIONS,
  type Lease,
  LeaseLedger,
  RateControl,
  type ReleaseReason,
  type ReleaseResult,
  rateControlSchema,
} from "../src/policies/index.ts";
import { SystemClock } from "../src/runtime/system-clock.ts";
import { SystemTimers } from "../src/runtime/system-timers.ts";

const LIMITS = { global: 3, "provider:fast": 2, "provider:slow": 1 };

interface ModelCall {
  readonly name: string;
  readonly provider: "fast" | "slow";
  readonly startMs: number;
  readonly durationMs: number;
  /** The provider answers with an error after `durationMs`. */
  readonly fails?: boolean;
  /** The agent gives up on the call at this time (from the start of the example). */
  readonly abortAtMs?: number;
}

const CALLS: readonly ModelCall[] = [
  { name: "plan", provider: "slow", startMs: 0, durationMs: 300 },
  { name: "search-1", provider: "fast", startMs: 0, durationMs: 150 },
  { name: "search-2", provider: "fast", startMs: 0, durationMs: 250, fails: true },
  { name: "search-3", provider: "fast", startMs: 0, durationMs: 120 },
  { name: "search-4", provider: "fast", startMs: 50, durationMs: 200 },
  { name: "summarize", provider: "slow", startMs: 50, durationMs: 250 },
  { name: "search-5", provider: "fast", startMs: 100, durationMs: 100, abortAtMs: 200 },
  { name: "critique", provider: "slow", startMs: 150, durationMs: 200, fails: true },
  { name: "draft", provider: "slow", startMs: 200, durationMs: 400, abortAtMs: 1000 },
  { name: "search-6", provider: "fast", startMs: 300, durationMs: 180 },
  { name: "answer", provider: "slow", startMs: 400, durationMs: 150 },
];

const clock = new SystemClock();
const startMs = clock.now();
const heldMax = new Map<string, number>(Object.keys(LIMITS).map((resource) => [resource, 0]));
const releaseReasons = new Map<ReleaseReason, number>();
/** Tasks that got a lease: tells an abort in the queue from one in flight. */
const grantedTasks = new Set<number>();

function nameOf(task: number): string {
  return CALLS[task - 1]?.name ?? `task ${task}`;
}

function log(event: string, detail: string, ledger: LeaseLedger): void {
  const elapsed = `${Math.round(clock.now() - startMs)}`.padStart(5);
  const held = Object.keys(LIMITS)
    .map((resource) => `${resource.replace("provider:", "")} ${ledger.heldAmount(resource)}/${ledger.limitOf(resource)}`)
    .join("  ");
  console.log(`${elapsed} ms  ${event.padEnd(9)} ${detail.padEnd(40)} held: ${held}`);
}

/** The ledger every grant and release goes through: printing here shows each change the moment it happens. */
class PrintingLedger extends LeaseLedger {
  override tryAcquire(demand: Demand, task: number): Lease | undefined {
    const lease = super.tryAcquire(demand, task);
    if (lease !== undefined) {
      grantedTasks.add(task);
      for (const [resource, max] of heldMax) heldMax.set(resource, Math.max(max, this.heldAmount(resource)));
      log("admitted", `${nameOf(task)} (lease ${lease.id})`, this);
    }
    return lease;
  }

  override release(lease: Lease, reason: ReleaseReason): ReleaseResult {
    const result = super.release(lease, reason);
    releaseReasons.set(reason, (releaseReasons.get(reason) ?? 0) + 1);
    log("released", `${nameOf(lease.task)} (lease ${lease.id}, ${reason})`, this);
    return result;
  }
}

const ledger = new PrintingLedger(LIMITS, clock);
const admission = new AsyncAdmission(ledger);

let rateLimited = 0;
let limitChanges = 0;
/** One controller per provider: retry-after on 429s, and AIMD on fast (its limit also lowers the lease of provider:fast). */
const rateControl = new RateControl(
  rateControlSchema.parse({ aimd: { providers: ["fast"], increase_after: 3 } }),
  { ...DEFAULT_RETRY_OPTIONS, maxAttempts: 4 },
  [
    { name: "fast", maxConcurrent: LIMITS["provider:fast"] },
    { name: "slow", maxConcurrent: LIMITS["provider:slow"] },
  ],
  Math.random,
  ControlledCalls.limitingAdmission(admission, {
    limitChanged: (provider, limit, reason) => {
      limitChanges += 1;
      log("limit", `${provider} → ${limit} (${reason})`, ledger);
    },
    circuitStateChanged: () => undefined,
  }),
  clock.now(),
);
const controlled = new ControlledCalls(rateControl, clock, new SystemTimers());

/** fast's server side: 2 requests per 400 ms window, a 429 with the time to the next window beyond that. */
const WINDOW_MS = 400;
const windowCounts = new Map<number, number>();
function admittedByFast(): number | undefined {
  const window = Math.floor((clock.now() - startMs) / WINDOW_MS);
  const count = windowCounts.get(window) ?? 0;
  if (count >= 2) return (window + 1) * WINDOW_MS - (clock.now() - startMs);
  windowCounts.set(window, count + 1);
  return undefined;
}

/** Stands in for an HTTP request to a model provider: takes `durationMs`, may fail or be throttled, stops when aborted. */
function callModel(call: ModelCall, signal: AbortSignal): Promise<CallOutcome<string>> {
  return new Promise((resolve, reject) => {
    const retryAfterMs = call.provider === "fast" ? admittedByFast() : undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      if (retryAfterMs !== undefined) {
        rateLimited += 1;
        log("429", `${call.name}: retry after ${Math.round(retryAfterMs)} ms`, ledger);
        resolve({ status: "rate_limited", retryAfterMs });
      } else if (call.fails === true) resolve({ status: "error", retryable: false });
      else resolve({ status: "ok", value: `${call.name} done` });
    }, retryAfterMs === undefined ? call.durationMs : 20);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

async function agentCall(call: ModelCall, task: number): Promise<void> {
  const controller = new AbortController();
  if (call.abortAtMs !== undefined) setTimeout(() => controller.abort(), call.abortAtMs - call.startMs);
  const resources = { global: 1, [`provider:${call.provider}`]: 1 };
  const outcome = admission.run(resources, (_lease, signal) => controlled.call(call.provider, { tokens: 1000, signal }, () => callModel(call, signal)), { signal: controller.signal, task });
  if (!grantedTasks.has(task)) log("queued", `${call.name} (${admission.waiting} waiting)`, ledger);
  try {
    await outcome;
  } catch (error) {
    const name = (error as Error).name;
    if (name === "AbortError") log("aborted", `${call.name}${grantedTasks.has(task) ? " in flight" : " while waiting"}`, ledger);
    else log("failed", `${call.name}: ${(error as Error).message}`, ledger);
  }
}

console.log(`limits: ${JSON.stringify(LIMITS)}; ${CALLS.length} calls, each needs global 1 + its provider 1\n`);
await Promise.all(
  CALLS.map(
    (call, index) =>
      new Promise<void>((resolve) => {
        setTimeout(() => void agentCall(call, index + 1).then(resolve), call.startMs);
      }),
  ),
);

console.log("\nresource        max held  limit  held at end");
for (const [resource, limit] of Object.entries(LIMITS)) {
  const max = heldMax.get(resource) ?? 0;
  console.log(`${resource.padEnd(15)} ${String(max).padStart(8)}  ${String(limit).padStart(5)}  ${String(ledger.heldAmount(resource)).padStart(11)}`);
  assert.ok(max <= limit, `${resource} held ${max} > limit ${limit}`);
  assert.equal(ledger.heldAmount(resource), 0, `${resource} still held at the end`);
}
assert.equal(ledger.activeLeaseCount, 0, "a lease was never released");
assert.equal(admission.waiting, 0, "a caller is still waiting");
console.log(`releases by reason: ${[...releaseReasons].map(([reason, count]) => `${reason} ${count}`).join(", ")}`);
console.log(`429s answered: ${rateLimited}, limit changes: ${limitChanges}, fast's limit now ${ledger.limitOf("provider:fast")}`);
assert.ok(rateLimited > 0, "fast never throttled: the example shows no rate control");
console.log("ok: no limit was exceeded and every lease was released");
