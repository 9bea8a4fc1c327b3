// A task's request sizes, packed: the values drawn come back exactly, a count past 2³² − 1 is kept exact
// (64-bit storage), a repeated size answers for every call, and a call past the end is a bug.

import { describe, expect, it } from "vitest";
import { CallSizes } from "../../src/sim/workload.ts";
import { firstPolicy, minimalScenarioFile, runLogged, scenarioFrom } from "../helpers.ts";

describe("call sizes", () => {
  it("gives back what was stored, by call", () => {
    const calls = CallSizes.drawn(Uint32Array.of(10, 1, 20, 2, 30, 3));
    expect([calls.count, calls.inputTokens(2), calls.outputTokens(1), calls.totalInputTokens()]).toEqual([3, 30, 2, 60]);
    expect(() => calls.inputTokens(3)).toThrow("no call 3 of 3");
  });

  it("repeats one size for every call", () => {
    const calls = CallSizes.repeated(1000, 7, 5);
    expect([calls.count, calls.inputTokens(999), calls.outputTokens(0), calls.totalInputTokens()]).toEqual([1000, 7, 5, 7000]);
  });

  it("keeps token counts past 2³² − 1 exact in a run", () => {
    const file = minimalScenarioFile();
    file.stop = { jobs: 3 };
    (file.templates as Record<string, unknown>[])[0] = { name: "t", provider: "p", input_tokens: 5_000_000_000, output_tokens: 1, max_output_tokens: 1 };
    const scenario = scenarioFrom(file);
    const started = runLogged(scenario, 1, firstPolicy(scenario)).events.filter((event) => event.type === "request_started");
    expect(started.map((event) => (event as { input_tokens: number }).input_tokens)).toEqual([5_000_000_000, 5_000_000_000, 5_000_000_000]);
  });
});
