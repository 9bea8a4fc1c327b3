// Client-side pacing: at the provider's true limits it gets no 429 however hard it is pushed, learnt from headers
// it gets none once the first answer is in, and it never holds a request longer than the bucket needs.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Pacer, type PacingOptions } from "../../../src/policies/rate-control/pacing.ts";
import { RequestTicket } from "../../../src/policies/rate-control/request.ts";
import { TokenBucketLimiter } from "../../../src/sim/rate-limiter.ts";
import { type DrivenRequest, controllerOptions, drive, newController } from "./driver.ts";

/** Planted bug: the pacer forgets to take a request's tokens from its bucket (it paces requests only). */
class TokenBlindPacer extends Pacer {
  override onSent(ticket: RequestTicket, nowMs: number): void {
    super.onSent(new RequestTicket(ticket.id, ticket.provider, ticket.sentAtMs, 0, ticket.attempt, ticket.sendIndex, ticket.tokensSentBefore), nowMs);
  }
}

const requestsArbitrary = fc.array(
  fc.record({ atMs: fc.integer({ min: 0, max: 120_000 }), tokens: fc.integer({ min: 1, max: 4000 }), latencyMs: fc.integer({ min: 1, max: 20_000 }) }),
  { minLength: 1, maxLength: 150 },
);
const limitsArbitrary = fc.record({ rpm: fc.integer({ min: 5, max: 120 }), tpm: fc.integer({ min: 4000, max: 60_000 }) });

function pacingAt(rpm: number, tpm: number, fromHeaders = false, margin = 0): PacingOptions {
  return { requestsPerMinute: fromHeaders ? undefined : rpm, tokensPerMinute: fromHeaders ? undefined : tpm, fromHeaders, margin };
}

/** The same world with a chosen pacer in place of the controller's own (the planted-bug runs). */
function driveWithPacer(requests: readonly DrivenRequest[], rpm: number, tpm: number, pacer: (options: PacingOptions) => Pacer) {
  const limiter = new TokenBucketLimiter({ requestsPerMinute: rpm, tokensPerMinute: tpm });
  const gate = pacer(pacingAt(rpm, tpm));
  const log = { sent: 0, rateLimited: 0 };
  const pending = [...requests].sort((a, b) => a.atMs - b.atMs);
  let sendIndex = 0;
  let tokensSent = 0;
  const queue = pending.map((request) => ({ request, atMs: request.atMs }));
  while (queue.length > 0) {
    queue.sort((a, b) => a.atMs - b.atMs);
    const next = queue.shift() as (typeof queue)[number];
    const verdict = gate.check(next.atMs, next.request.tokens);
    if (verdict?.kind === "wait") {
      queue.push({ request: next.request, atMs: verdict.untilMs });
      continue;
    }
    const ticket = new RequestTicket(sendIndex + 1, "p", next.atMs, next.request.tokens, 1, sendIndex, tokensSent);
    sendIndex += 1;
    tokensSent += next.request.tokens;
    gate.onSent(ticket, next.atMs);
    log.sent += 1;
    if (limiter.tryAdmit(next.atMs, next.request.tokens) > 0) log.rateLimited += 1;
  }
  return log;
}

describe("pacing", () => {
  it("at the provider's true limits, gets no 429 from a token-bucket provider under any load", () => {
    fc.assert(
      fc.property(requestsArbitrary, limitsArbitrary, (requests, { rpm, tpm }) => {
        const log = drive(requests, (listener) => newController(controllerOptions({ pacing: pacingAt(rpm, tpm) }), listener), new TokenBucketLimiter({ requestsPerMinute: rpm, tokensPerMinute: tpm }));
        expect(log.rateLimited).toBe(0);
        expect(log.sends.length).toBe(requests.length);
      }),
      { seed: 901, numRuns: 150 },
    );
  });

  it("catches a planted pacer that forgets tokens: it draws 429s on the token limit", () => {
    const found = fc.check(
      fc.property(requestsArbitrary, limitsArbitrary, (requests, { rpm, tpm }) => driveWithPacer(requests, rpm, tpm, (options) => new TokenBlindPacer(options, 0)).rateLimited === 0),
      { seed: 902, numRuns: 200 },
    );
    expect(found.failed).toBe(true);
    // The same harness with the real pacer holds: the failure is the bug, not the harness.
    fc.assert(
      fc.property(requestsArbitrary, limitsArbitrary, (requests, { rpm, tpm }) => driveWithPacer(requests, rpm, tpm, (options) => new Pacer(options, 0)).rateLimited === 0),
      { seed: 902, numRuns: 200 },
    );
  });

  it("learning from headers, gets no 429 once the first answer has come back", () => {
    fc.assert(
      fc.property(requestsArbitrary, limitsArbitrary, (requests, { rpm, tpm }) => {
        const log = drive(requests, (listener) => newController(controllerOptions({ pacing: pacingAt(rpm, tpm, true) }), listener), new TokenBucketLimiter({ requestsPerMinute: rpm, tokensPerMinute: tpm }));
        const firstAnswerMs = log.answers[0]?.atMs ?? Number.POSITIVE_INFINITY;
        const lateRefusals = log.answers.filter((answer) => answer.status === "rate_limited" && (log.sends.find((send) => send.request === answer.request)?.atMs ?? 0) > firstAnswerMs);
        expect(lateRefusals).toEqual([]);
      }),
      { seed: 903, numRuns: 150 },
    );
  });

  it("holds a request exactly as long as the bucket needs, rounded up to the millisecond", () => {
    // 60 requests per minute: one a second once the bucket's minute is spent.
    const pacer = new Pacer(pacingAt(60, 1_000_000), 0);
    const send = (atMs: number, index: number): void => pacer.onSent(new RequestTicket(index + 1, "p", atMs, 1, 1, index, index), atMs);
    for (let index = 0; index < 60; index += 1) {
      expect(pacer.check(0, 1)).toBeUndefined();
      send(0, index);
    }
    expect(pacer.check(0, 1)).toEqual({ kind: "wait", untilMs: 1000, reason: "pacing" });
    expect(pacer.check(999, 1)).toEqual({ kind: "wait", untilMs: 1000, reason: "pacing" });
    expect(pacer.check(1000, 1)).toBeUndefined();
    send(1000, 60);
    // The wait is a whole number of milliseconds from the time asked.
    expect(pacer.check(1000.5, 1)).toEqual({ kind: "wait", untilMs: 2000.5, reason: "pacing" });
  });

  it("keeps its margin: with 20% kept back, at most 80% of the limit in any minute from a full start", () => {
    const pacer = new Pacer(pacingAt(100, 1_000_000, false, 0.2), 0);
    let sent = 0;
    for (let timeMs = 0; timeMs < 60_000; timeMs += 10) {
      while (pacer.check(timeMs, 1) === undefined) {
        pacer.onSent(new RequestTicket(sent + 1, "p", timeMs, 1, 1, sent, sent), timeMs);
        sent += 1;
      }
    }
    // A full bucket of 80, then 80 a minute: 80 + 80 × 59.99/60 rounded down.
    expect(sent).toBe(159);
  });

  it("drains on a 429: the provider disagreed, so nothing goes until the bucket refills", () => {
    const pacer = new Pacer(pacingAt(60, 1_000_000), 0);
    const ticket = new RequestTicket(1, "p", 0, 1, 1, 0, 0);
    pacer.onSent(ticket, 0);
    expect(pacer.check(10, 1)).toBeUndefined();
    pacer.onResponse(ticket, 10, { status: "rate_limited", retryAfterMs: 500, retryable: true });
    expect(pacer.check(10, 1)).toEqual({ kind: "wait", untilMs: 1010, reason: "pacing" });
  });

  it("lets a request larger than its whole token capacity through, for the provider to refuse", () => {
    const pacer = new Pacer(pacingAt(60, 1000), 0);
    expect(pacer.check(0, 5000)).toBeUndefined();
  });

  it("from headers: sends freely until the first answer, then paces to the reported limit; older answers change nothing", () => {
    const pacer = new Pacer(pacingAt(0, 0, true), 0);
    const tickets = [0, 1, 2, 3, 4].map((index) => new RequestTicket(index + 1, "p", 0, 100, 1, index, index * 100));
    for (const ticket of tickets) {
      expect(pacer.check(0, 100)).toBeUndefined();
      pacer.onSent(ticket, 0);
    }
    // The third request's answer comes first: 6 a minute, 3 left when it was admitted; 2 more were sent after it.
    pacer.onResponse(tickets[2] as RequestTicket, 100, { status: "ok", retryable: true, headers: { limitRequests: 6, remainingRequests: 3, resetRequestsMs: 30_000 } });
    // The first request's answer, older, says 5 were left: it is of no use any more.
    pacer.onResponse(tickets[0] as RequestTicket, 150, { status: "ok", retryable: true, headers: { limitRequests: 6, remainingRequests: 5, resetRequestsMs: 10_000 } });
    expect(pacer.check(150, 100)).toBeUndefined();
    pacer.onSent(new RequestTicket(6, "p", 150, 100, 1, 5, 500), 150);
    // 1 + 150 ms of refill (6 a minute) was left; that send took it: the next waits for the rest, about 10 s.
    const verdict = pacer.check(150, 100);
    expect(verdict?.kind).toBe("wait");
    expect(verdict?.kind === "wait" ? verdict.untilMs : 0).toBe(150 + Math.ceil((1 - 0.015) / 0.0001));
  });
});
