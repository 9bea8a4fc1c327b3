// ControlledCalls, the async face of the request controllers, on a hand-cranked clock: it waits what a 429 asks,
// never has more requests in flight than AIMD's limit (and lowers the lease limit of an AsyncAdmission with it),
// refuses through an open breaker, gives up with the controller's reason, and leaves nothing behind on an abort
// or a failed send.

import { describe, expect, it } from "vitest";
import { AsyncAdmission } from "../../../src/policies/async-admission.ts";
import { type CallOutcome, ControlledCalls, RequestGaveUpError, RequestRefusedError } from "../../../src/policies/rate-control/controlled-calls.ts";
import { RateControl, rateControlSchema } from "../../../src/policies/rate-control/rate-control.ts";
import { DEFAULT_RETRY_OPTIONS, type RetryOptions } from "../../../src/policies/rate-control/retry.ts";
import { CrankedWorld } from "./driver.ts";

function calls(world: CrankedWorld, rateControl: unknown, retry: Partial<RetryOptions> = {}, admission?: AsyncAdmission): ControlledCalls {
  const control = new RateControl(
    rateControlSchema.parse(rateControl),
    { ...DEFAULT_RETRY_OPTIONS, ...retry },
    [{ name: "p", maxConcurrent: 4 }],
    () => 0.5,
    admission === undefined ? undefined : ControlledCalls.limitingAdmission(admission),
    world.now(),
  );
  return new ControlledCalls(control, world, world);
}

describe("ControlledCalls", () => {
  it("waits what a 429's retry-after says, then returns the value", async () => {
    const world = new CrankedWorld();
    const sentAt: number[] = [];
    const value = await world.run(
      calls(world, {}).call("p", { tokens: 100 }, (attempt) => {
        sentAt.push(world.now());
        return world.later(10, attempt === 1 ? { status: "rate_limited", retryAfterMs: 700 } : { status: "ok", value: "answer" });
      }),
    );
    expect(value).toBe("answer");
    expect(sentAt).toEqual([0, 710]);
  });

  it("keeps requests in flight within AIMD's limit, and the admission's lease limit with it", async () => {
    const world = new CrankedWorld();
    const admission = AsyncAdmission.withLimits({ "provider:p": 4 }, world);
    const controlled = calls(world, { aimd: { decrease_factor: 0.5, increase_after: 100, block_ms: 50 } }, { maxAttempts: 10 }, admission);
    let inFlight = 0;
    let most = 0;
    let mostAfterBurst = 0;
    let sent = 0;
    const one = (): Promise<string> =>
      controlled.call("p", { tokens: 10 }, async () => {
        sent += 1;
        inFlight += 1;
        most = Math.max(most, inFlight);
        const first = sent <= 4;
        if (!first) mostAfterBurst = Math.max(mostAfterBurst, inFlight);
        const outcome = await world.later<string>(100, first ? { status: "rate_limited", retryAfterMs: 20 } : { status: "ok", value: "ok" });
        inFlight -= 1;
        return outcome;
      });
    const results = await world.run(Promise.all(Array.from({ length: 8 }, one)));
    expect(results).toEqual(Array.from({ length: 8 }, () => "ok"));
    // Four went out at the cap and came back 429: one decrease for the burst, 4 → 2, and never more than 2 after.
    expect(admission.ledger.limitOf("provider:p")).toBe(2);
    expect(most).toBe(4);
    expect(mostAfterBurst).toBe(2);
    expect(controlled.waitingForCompletion("p")).toBe(0);
  });

  it("refuses through an open breaker and gives up with the controller's reason", async () => {
    const world = new CrankedWorld();
    const controlled = calls(world, { circuit_breaker: { consecutive_failures: 2, open_ms: 1000, probes: 1, when_open: "fail" } }, { maxAttempts: 2, backoffBaseMs: 5 });
    const failing = (): Promise<CallOutcome<string>> => world.later(1, { status: "error" });
    const given = await world.run(controlled.call("p", { tokens: 1 }, failing).catch((error: unknown) => error));
    expect(given).toBeInstanceOf(RequestGaveUpError);
    expect(given).toMatchObject({ reason: "attempts", status: "error", attempts: 2 });
    const refused = await world.run(controlled.call("p", { tokens: 1 }, failing).catch((error: unknown) => error));
    expect(refused).toBeInstanceOf(RequestRefusedError);
    const unretryable = calls(world, {});
    const bad = await world.run(unretryable.call("p", { tokens: 1 }, () => world.later<string>(1, { status: "error", retryable: false })).catch((error: unknown) => error));
    expect(bad).toMatchObject({ reason: "not_retryable", attempts: 1 });
  });

  it("stops waiting on an abort and abandons a request whose send throws", async () => {
    const world = new CrankedWorld();
    const controlled = calls(world, { aimd: { increase_after: 100 } });
    const hold: (() => void)[] = [];
    const blocking = (): Promise<CallOutcome<string>> => new Promise((resolve) => hold.push(() => resolve({ status: "ok", value: "held" })));
    const first = Array.from({ length: 4 }, () => controlled.call("p", { tokens: 1 }, blocking));
    const abort = new AbortController();
    const fifth = controlled.call("p", { tokens: 1, signal: abort.signal }, blocking).catch((error: unknown) => error);
    for (let flush = 0; flush < 20; flush += 1) await Promise.resolve();
    expect(controlled.waitingForCompletion("p")).toBe(1);
    abort.abort(new Error("caller gave up"));
    expect(await fifth).toMatchObject({ message: "caller gave up" });
    expect(controlled.waitingForCompletion("p")).toBe(0);
    for (const release of hold) release();
    expect(await Promise.all(first)).toEqual(["held", "held", "held", "held"]);
    const thrown = await world.run(controlled.call("p", { tokens: 1 }, () => Promise.reject(new Error("socket closed"))).catch((error: unknown) => error));
    expect(thrown).toMatchObject({ message: "socket closed" });
    // The abandoned request no longer counts: four more fit at once.
    const again = Array.from({ length: 4 }, () => world.run(controlled.call("p", { tokens: 1 }, () => world.later(1, { status: "ok", value: 1 }))));
    expect(await Promise.all(again)).toEqual([1, 1, 1, 1]);
  });
});
