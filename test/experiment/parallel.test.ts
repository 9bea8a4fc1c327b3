// The case runner: worker threads give what this thread gives, a user error keeps its class across threads,
// an abort stops the run, and a shard file keeps every number (NaN, infinities, −0) exactly.

import { describe, expect, it } from "vitest";
import { compareCases, comparisonOfCases } from "../../src/experiment/compare.ts";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { CLAIM_SLOTS, type LaneAnswer, answerTask, claimCase, runLane, stopLanes } from "../../src/experiment/case-worker.ts";
import { CasesInterrupted, runCases, startWorkers } from "../../src/experiment/parallel.ts";
import { decodeJson, encodeJson, shardCases } from "../../src/experiment/shard.ts";
import { reportFiles } from "../../src/report/summary.ts";
import { parseScenario } from "../../src/scenario/load.ts";
import { EventLimitError } from "../../src/sim/engine.ts";

const SCENARIO = parseScenario(
  JSON.stringify({
    name: "small",
    stop: { jobs: 60 },
    arrivals: { process: "poisson", rate_per_second: 3 },
    providers: [{ name: "fast", max_concurrent: 2, latency: { time_to_first_token_ms: { kind: "lognormal", median: 400, p95: 1200 }, decode_tokens_per_second: 100 } }],
    templates: [{ name: "chat", lane: "interactive", provider: "fast", shape: "single", input_tokens: 500, output_tokens: 100, max_output_tokens: 256 }],
    policies: [{ name: "wide", global_max_concurrent: 4 }, { name: "narrow", global_max_concurrent: 1 }],
  }),
  "small.json",
);
const SEEDS = [1, 2, 3];
const CONTEXT = { command: "test", scenarioFile: "small.json", version: "0" };

describe("runCases", () => {
  it("gives the same outcomes, in case order, on 2 threads (this one and a worker) as in this thread alone", async () => {
    const cases = compareCases(SCENARIO, SCENARIO.policies, SEEDS);
    const inThread = await runCases(cases, { jobs: 1 });
    const onThreads = await runCases(cases, { jobs: 2 });
    expect(onThreads).toEqual(inThread);
    const files = (runs: typeof inThread) => reportFiles(comparisonOfCases(SCENARIO, SCENARIO.policies, SEEDS, runs), CONTEXT);
    expect(files(onThreads)).toEqual(files(inThread));
  });

  it("reports progress once per case, ending at the total", async () => {
    const seen: number[] = [];
    await runCases(compareCases(SCENARIO, SCENARIO.policies, SEEDS), { jobs: 2, onProgress: (done) => seen.push(done) });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("rethrows a run over its event limit as an EventLimitError from a worker thread too", async () => {
    const limited = { ...SCENARIO, limits: { ...SCENARIO.limits, maxEvents: 50 } };
    for (const jobs of [1, 2]) {
      await expect(runCases(compareCases(limited, limited.policies, SEEDS), { jobs })).rejects.toBeInstanceOf(EventLimitError);
    }
  });

  it.each([1, 2])("stops with CasesInterrupted when the signal aborts (jobs %i)", async (jobs) => {
    const controller = new AbortController();
    const run = runCases(compareCases(SCENARIO, SCENARIO.policies, [1, 2, 3, 4, 5, 6, 7, 8]), {
      jobs,
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 1) controller.abort();
      },
    });
    const error = await run.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CasesInterrupted);
    expect((error as CasesInterrupted).done).toBeLessThan(16);
    expect((error as CasesInterrupted).total).toBe(16);
  });
});

function claimCounter(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(CLAIM_SLOTS * Int32Array.BYTES_PER_ELEMENT));
}

function answersOn(port: MessagePort, count: number): Promise<LaneAnswer<ReturnType<typeof compareCases>[number]>[]> {
  const answers: LaneAnswer<ReturnType<typeof compareCases>[number]>[] = [];
  return new Promise((resolve) => {
    port.on("message", (message: (typeof answers)[number]) => {
      answers.push(message);
      if (answers.length === count) resolve(answers);
    });
  });
}

describe("lanes", () => {
  it("hand out every case exactly once, and none after a stop", () => {
    const claims = claimCounter();
    expect([claimCase(claims, 3), claimCase(claims, 3), claimCase(claims, 3), claimCase(claims, 3)]).toEqual([0, 1, 2, undefined]);
    const stopped = claimCounter();
    expect(claimCase(stopped, 3)).toBe(0);
    stopLanes(stopped);
    expect(claimCase(stopped, 3)).toBeUndefined();
  });

  it("a worker's lane takes the cases left after the others' claims and posts each one's answer at its index", async () => {
    const cases = compareCases(SCENARIO, SCENARIO.policies, SEEDS);
    const claims = claimCounter();
    expect(claimCase(claims, cases.length)).toBe(0);
    expect(claimCase(claims, cases.length)).toBe(1);
    const { port1, port2 } = new MessageChannel();
    const received = answersOn(port1, cases.length - 2);
    expect(await runLane({ tasks: cases, claims, answers: port2 })).toBe(cases.length - 2);
    const answers = await received;
    port1.close();
    expect(answers.map((answer) => answer.index)).toEqual([2, 3, 4, 5]);
    for (const { index, answer } of answers) expect(answer).toEqual(answerTask(cases[index] as (typeof cases)[number]));
  });

  it("a worker's lane posts a run over its event limit as data, and goes on with the next case", async () => {
    const limited = { ...SCENARIO, limits: { ...SCENARIO.limits, maxEvents: 50 } };
    const cases = compareCases(limited, limited.policies, [1]);
    const { port1, port2 } = new MessageChannel();
    const received = answersOn(port1, cases.length);
    await runLane({ tasks: cases, claims: claimCounter(), answers: port2 });
    const answers = await received;
    port1.close();
    expect(answers.map(({ answer }) => answer.ok)).toEqual([false, false]);
  });

  it("runs on workers started ahead of the cases, as on its own, and refuses workers of another --jobs", async () => {
    const cases = compareCases(SCENARIO, SCENARIO.policies, [1, 2, 3, 4, 5, 6, 7, 8]);
    const inThread = await runCases(cases, { jobs: 1 });
    expect(await runCases(cases, { jobs: 2, workers: startWorkers(2) })).toEqual(inThread);
    expect(await runCases(cases, { jobs: 3, workers: startWorkers(3) })).toEqual(inThread);
    expect(startWorkers(1)).toBeUndefined();
    const other = startWorkers(3);
    await expect(runCases(cases, { jobs: 2, workers: other })).rejects.toThrow(/started for --jobs 3/);
    await other?.close();
    await other?.close();
  });
});

describe("shards", () => {
  it("cut every case exactly once, each shard taking every count-th", () => {
    for (const count of [1, 2, 3, 7, 40]) {
      const all = Array.from({ length: count }, (_, index) => shardCases(30, { index: index + 1, count })).flat();
      expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, index) => index));
    }
    expect(shardCases(7, { index: 2, count: 3 })).toEqual([1, 4]);
  });

  it("store numbers plain JSON loses: NaN, ±Infinity and −0", () => {
    const value = { a: Number.NaN, b: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1.5e-300], c: { $number: "not a tag: two keys", d: 1 } };
    const back = decodeJson(encodeJson(value)) as typeof value;
    expect(back.a).toBeNaN();
    expect(back.b.map((item) => Object.is(item, -0) ? "-0" : item)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, "-0", 0, 1.5e-300]);
    expect(back.c).toEqual(value.c);
    // Plain JSON would not: the encoding is what the merge relies on.
    expect(JSON.parse(JSON.stringify(value)).a).toBeNull();
  });

  it("a merge that put runs in the wrong places would not match: the report depends on the case order", async () => {
    const runs = await runCases(compareCases(SCENARIO, SCENARIO.policies, SEEDS), { jobs: 1 });
    const summary = (ordered: typeof runs) => reportFiles(comparisonOfCases(SCENARIO, SCENARIO.policies, SEEDS, ordered), CONTEXT)["summary.json"];
    const swapped = [runs[3], runs[1], runs[2], runs[0], runs[4], runs[5]] as typeof runs;
    expect(summary(swapped)).not.toBe(summary(runs));
  });
});
