// AIMD against a model of its specification: random sends, answers (ok, 429 with or without retry-after, errors,
// timeouts), abandonments and the passing of time. The limit stays within [min, cap], no request is let through
// while as many are in flight as the limit allows or while a 429 blocks the provider, a burst of 429s lowers the
// limit once, and it grows by one after `increaseAfter` successes in a row. Each property fails on a planted bug.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AimdLimit, type AimdOptions } from "../../../src/policies/rate-control/aimd.ts";
import { type RateControlListener, RequestTicket, type ResponseStatus, type SendDecision } from "../../../src/policies/rate-control/request.ts";

type Op =
  | { readonly kind: "send" }
  | { readonly kind: "answer"; readonly pick: number; readonly status: ResponseStatus; readonly retryAfterMs: number | undefined }
  | { readonly kind: "abandon"; readonly pick: number }
  | { readonly kind: "tick"; readonly ms: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: "send" as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("answer" as const),
      pick: fc.nat(),
      status: fc.constantFrom<ResponseStatus>("ok", "ok", "ok", "rate_limited", "error", "timeout"),
      retryAfterMs: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("abandon" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 3000 }) }) },
);

const optionsArbitrary: fc.Arbitrary<AimdOptions> = fc
  .record({ minLimit: fc.integer({ min: 1, max: 4 }), extra: fc.integer({ min: 0, max: 12 }), decreaseFactor: fc.double({ min: 0.1, max: 0.95, noNaN: true }), increaseAfter: fc.integer({ min: 1, max: 6 }), blockMs: fc.integer({ min: 0, max: 4000 }) })
  .map(({ minLimit, extra, ...rest }) => ({ minLimit, maxLimit: minLimit + extra, ...rest }));

type Build = (options: AimdOptions, listener: RateControlListener) => AimdLimit;

/** What the specification says the limit is after each step: an independent, naive account. */
class AimdModel {
  limit: number;
  blockedUntilMs = Number.NEGATIVE_INFINITY;
  streak = 0;
  /** The step of the last decrease: a 429 decreases again only for a request sent after it. */
  lastDecreaseStep = -1;
  constructor(private readonly options: AimdOptions) {
    this.limit = options.maxLimit;
  }
  answered(sentStep: number, step: number, nowMs: number, status: ResponseStatus, retryAfterMs: number | undefined): void {
    if (status === "rate_limited") {
      this.streak = 0;
      this.blockedUntilMs = Math.max(this.blockedUntilMs, nowMs + (retryAfterMs ?? this.options.blockMs));
      if (sentStep > this.lastDecreaseStep) {
        this.lastDecreaseStep = step;
        this.limit = Math.max(this.options.minLimit, Math.floor(this.limit * this.options.decreaseFactor));
      }
    } else if (status === "ok") {
      this.streak += 1;
      if (this.streak >= this.options.increaseAfter) {
        this.streak = 0;
        this.limit = Math.min(this.options.maxLimit, this.limit + 1);
      }
    }
  }
}

/** Runs the ops; throws on the first step where the gate breaks a property. */
function exercise(options: AimdOptions, ops: readonly Op[], build: Build): void {
  const changes: number[] = [];
  const gate = build(options, { limitChanged: (_provider, limit) => changes.push(limit), circuitStateChanged: () => undefined });
  const model = new AimdModel(options);
  const inFlight: { ticket: RequestTicket; sentStep: number }[] = [];
  let nowMs = 0;
  let nextId = 1;
  ops.forEach((op, step) => {
    switch (op.kind) {
      case "tick":
        nowMs += op.ms;
        break;
      case "send": {
        const verdict: Exclude<SendDecision, { kind: "send" }> | undefined = gate.check(nowMs);
        const blocked = nowMs < model.blockedUntilMs;
        const full = inFlight.length >= model.limit;
        if (verdict === undefined) {
          if (blocked) throw new Error(`step ${step}: let a request through at ${nowMs} ms while a 429 blocks until ${model.blockedUntilMs} ms`);
          if (full) throw new Error(`step ${step}: let a request through with ${inFlight.length} in flight at limit ${model.limit}`);
          const ticket = new RequestTicket(nextId, "p", nowMs, 100, 1, nextId - 1, 0);
          nextId += 1;
          gate.onSent(ticket);
          inFlight.push({ ticket, sentStep: step });
        } else if (!blocked && !full) {
          throw new Error(`step ${step}: held a request back (${verdict.kind}) with ${inFlight.length} in flight below limit ${model.limit}`);
        } else if (blocked && (verdict.kind !== "wait" || verdict.untilMs !== model.blockedUntilMs)) {
          throw new Error(`step ${step}: while blocked, answered ${JSON.stringify(verdict)} instead of waiting until ${model.blockedUntilMs} ms`);
        }
        break;
      }
      case "answer": {
        if (inFlight.length === 0) break;
        const [sent] = inFlight.splice(op.pick % inFlight.length, 1) as [{ ticket: RequestTicket; sentStep: number }];
        gate.onResponse(sent.ticket, nowMs, { status: op.status, retryAfterMs: op.retryAfterMs, retryable: true });
        model.answered(sent.sentStep, step, nowMs, op.status, op.retryAfterMs);
        break;
      }
      case "abandon": {
        if (inFlight.length === 0) break;
        inFlight.splice(op.pick % inFlight.length, 1);
        gate.onAbandoned();
        break;
      }
    }
    if (gate.limit < options.minLimit || gate.limit > options.maxLimit) throw new Error(`step ${step}: limit ${gate.limit} outside [${options.minLimit}, ${options.maxLimit}]`);
    if (gate.limit !== model.limit) throw new Error(`step ${step}: limit ${gate.limit}, the specification says ${model.limit}`);
    if (gate.inFlight !== inFlight.length) throw new Error(`step ${step}: counts ${gate.inFlight} in flight, ${inFlight.length} are`);
    if (changes.length > 0 && changes.at(-1) !== gate.limit) throw new Error(`step ${step}: last reported limit ${changes.at(-1)} is not the limit ${gate.limit}`);
  });
}

const real: Build = (options, listener) => new AimdLimit("p", options, listener);

/** Planted bug: every 429 lowers the limit, not once per burst (the epoch stamp is ignored). */
class DecreasesOnEvery429 extends AimdLimit {
  override onResponse(ticket: RequestTicket, nowMs: number, response: Parameters<AimdLimit["onResponse"]>[2]): void {
    ticket.aimdEpoch = (this as unknown as { epoch: number }).epoch;
    super.onResponse(ticket, nowMs, response);
  }
}

/** Planted bug: the gate forgets the requests in flight (it only honours the block). */
class NoInFlightGate extends AimdLimit {
  override check(nowMs: number): Exclude<SendDecision, { kind: "send" }> | undefined {
    const verdict = super.check(nowMs);
    return verdict?.kind === "wait_for_completion" ? undefined : verdict;
  }
}

/** Planted bug: the ceiling is one above the provider's cap. */
class CeilingOffByOne extends AimdLimit {
  constructor(provider: string, options: AimdOptions, listener: RateControlListener) {
    super(provider, { ...options, maxLimit: options.maxLimit + 1 }, listener);
  }
}

/** Planted bug: a 429 without retry-after does not block (the default block is forgotten). */
class NoDefaultBlock extends AimdLimit {
  constructor(provider: string, options: AimdOptions, listener: RateControlListener) {
    super(provider, { ...options, blockMs: 0 }, listener);
  }
}

const property = (build: Build) => fc.property(optionsArbitrary, fc.array(opArbitrary, { maxLength: 300, size: "max" }), (options, ops) => exercise(options, ops, build));

describe("AIMD", () => {
  it("keeps its limit in [min, cap], gates in-flight requests and 429 blocks, and moves the limit as specified", () => {
    fc.assert(property(real), { seed: 4101, numRuns: 400 });
  });

  it.each([
    ["a decrease on every 429 of a burst", (options: AimdOptions, listener: RateControlListener) => new DecreasesOnEvery429("p", options, listener), "the specification says"],
    ["a gate that ignores requests in flight", (options: AimdOptions, listener: RateControlListener) => new NoInFlightGate("p", options, listener), "in flight at limit"],
    ["a ceiling one above the cap", (options: AimdOptions, listener: RateControlListener) => new CeilingOffByOne("p", options, listener), "outside ["],
    ["no block after a 429 without retry-after", (options: AimdOptions, listener: RateControlListener) => new NoDefaultBlock("p", options, listener), "while a 429 blocks"],
  ] as const)("catches %s", (_name, build, symptom) => {
    const result = fc.check(property(build), { seed: 4102, numRuns: 400 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toContain(symptom);
  });

  it("lowers a limit of 10 to 7 for a burst of four 429s, then needs a request sent after that to lower it again", () => {
    const limits: number[] = [];
    const gate = new AimdLimit("p", { minLimit: 1, maxLimit: 10, decreaseFactor: 0.75, increaseAfter: 3, blockMs: 1000 }, { limitChanged: (_p, limit) => limits.push(limit), circuitStateChanged: () => undefined });
    const burst = [1, 2, 3, 4].map((id) => new RequestTicket(id, "p", 0, 10, 1, id - 1, 0));
    for (const ticket of burst) gate.onSent(ticket);
    for (const ticket of burst) gate.onResponse(ticket, 10, { status: "rate_limited", retryAfterMs: 500, retryable: true });
    expect(limits).toEqual([7]);
    expect(gate.check(509)).toEqual({ kind: "wait", untilMs: 510, reason: "aimd_blocked" });
    expect(gate.check(510)).toBeUndefined();
    const later = new RequestTicket(5, "p", 510, 10, 1, 4, 0);
    gate.onSent(later);
    gate.onResponse(later, 600, { status: "rate_limited", retryAfterMs: undefined, retryable: true });
    expect(limits).toEqual([7, 5]);
    expect(gate.check(1599)).toMatchObject({ kind: "wait", untilMs: 1600 });
    for (let id = 6; id <= 8; id += 1) {
      const ok = new RequestTicket(id, "p", 2000, 10, 1, id - 1, 0);
      gate.onSent(ok);
      gate.onResponse(ok, 2100, { status: "ok", retryable: true });
    }
    expect(limits).toEqual([7, 5, 6]);
  });
});
