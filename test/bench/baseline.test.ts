// The regression rule of `schedlab bench --baseline`, on made-up figures: no timing involved.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BaselineError, compareToBaseline, readBaseline } from "../../src/bench/baseline.ts";
import type { Figure } from "../../src/bench/figures.ts";
import { median, relativeSpread } from "../../src/bench/figures.ts";
import { type Probe, Sampler } from "../../src/bench/sampler.ts";
import { better, measure, remeasure } from "../../src/bench/suites.ts";

function figure(name: string, ratio: number | undefined, value = 100, better: "higher" | "lower" = "higher"): Figure {
  return { name, unit: "ops/s", value, better, ratio, spread: 0 };
}

describe("compareToBaseline", () => {
  it("judges the calibrated ratio, not the raw value: a uniformly slower machine is no regression", () => {
    const baseline = [figure("heap", 1.0, 10_000_000)];
    const slowerRunner = [figure("heap", 0.98, 5_000_000)];
    const result = compareToBaseline(slowerRunner, baseline, 0.2, false);
    expect(result.failed).toEqual([]);
    expect(result.figures[0]?.verdict).toBe("ok");
    expect(result.figures[0]?.change).toBeCloseTo(-0.02);
  });

  it("fails a figure worse than the threshold and names it, and only it", () => {
    const baseline = [figure("heap", 1.0), figure("engine", 0.8), figure("ledger", 1.1)];
    const current = [figure("heap", 0.79), figure("engine", 0.65), figure("ledger", 1.5)];
    const result = compareToBaseline(current, baseline, 0.2, false);
    expect(result.failed).toEqual(["heap"]);
    expect(result.figures.map((entry) => entry.verdict)).toEqual(["regressed", "ok", "improved"]);
  });

  it("sits on the boundary as the threshold says: exactly 20% worse passes, beyond fails", () => {
    const baseline = [figure("a", 1.0), figure("b", 1.0)];
    const result = compareToBaseline([figure("a", 0.8), figure("b", 0.7999)], baseline, 0.2, false);
    expect(result.failed).toEqual(["b"]);
  });

  it("turns the sign for lower-is-better figures compared raw (peak memory)", () => {
    const baseline = [figure("rss", undefined, 260, "lower")];
    expect(compareToBaseline([figure("rss", undefined, 340, "lower")], baseline, 0.2, false).failed).toEqual(["rss"]);
    const smaller = compareToBaseline([figure("rss", undefined, 200, "lower")], baseline, 0.2, false);
    expect(smaller.failed).toEqual([]);
    expect(smaller.figures[0]?.verdict).toBe("improved");
  });

  it("fails a baseline figure the run did not measure, unless only some suites ran", () => {
    const baseline = [figure("heap", 1.0), figure("queue fifo", 2.0)];
    const current = [figure("heap", 1.0), figure("brand new", 3.0)];
    const full = compareToBaseline(current, baseline, 0.2, false);
    expect(full.failed).toEqual(["queue fifo"]);
    expect(full.figures.map((entry) => `${entry.name}:${entry.verdict}`)).toEqual(["heap:ok", "queue fifo:missing", "brand new:new"]);
    expect(compareToBaseline(current, baseline, 0.2, true).failed).toEqual([]);
  });

  it("refuses to judge a figure calibrated on one side and raw on the other", () => {
    const result = compareToBaseline([figure("heap", undefined, 100)], [figure("heap", 1.0, 100)], 0.2, false);
    expect(result.failed).toEqual(["heap"]);
  });
});

describe("medians and spread", () => {
  it("takes the middle value, so one disturbed round does not move the figure", () => {
    expect(median([1.0, 0.2, 1.1, 0.95, 1.05])).toBe(1.0);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(relativeSpread([0.9, 1.0, 1.1])).toBeCloseTo(0.2);
  });
});

describe("readBaseline", () => {
  const folder = mkdtempSync(join(tmpdir(), "schedlab-baseline-"));
  const write = (name: string, content: string): string => {
    const file = join(folder, name);
    writeFileSync(file, content);
    return file;
  };

  it("reads a saved report", () => {
    const report = { schema_version: 1, node: "v20", cpu: "2 × x", calibration_ops_per_s: 5e6, rounds: 5, figures: [figure("heap", 1.0)] };
    expect(readBaseline(write("good.json", JSON.stringify(report))).figures[0]?.name).toBe("heap");
  });

  it("names the file and the bad value's path in one line", () => {
    expect(() => readBaseline(join(folder, "absent.json"))).toThrow(new BaselineError(`--baseline: cannot read "${join(folder, "absent.json")}"`));
    expect(() => readBaseline(write("text.json", "not json"))).toThrow(/text\.json: not JSON/);
    const bad = { schema_version: 1, node: "v20", cpu: "x", calibration_ops_per_s: 5e6, rounds: 5, figures: [{ ...figure("heap", 1.0), value: -3 }] };
    expect(() => readBaseline(write("bad.json", JSON.stringify(bad)))).toThrow(/bad\.json: figures\[0\]\.value: /);
  });
});

describe("a second look at suspect figures", () => {
  it("keeps the better of two measurements, in each figure's own direction", () => {
    expect(better(figure("a", 0.5), figure("a", 0.9)).ratio).toBe(0.9);
    expect(better(figure("a", 0.9), figure("a", 0.5)).ratio).toBe(0.9);
    expect(better(figure("rss", undefined, 300, "lower"), figure("rss", undefined, 250, "lower")).value).toBe(250);
  });

  it("measures only the suspects again, and a slowdown seen twice still fails", () => {
    let calls = 0;
    const slow: Probe = () => {
      calls += 1;
      return [figure("slow", 0.5)];
    };
    const fine: Probe = () => [figure("fine", 1.0)];
    const sampler = new Sampler({ rounds: 1, sampleTimeMs: 10 });
    const measured = measure([slow, fine], sampler, () => undefined);
    const again = remeasure(measured, ["slow"], sampler, () => undefined);
    expect(calls).toBe(2);
    expect(compareToBaseline(again, [figure("slow", 1.0), figure("fine", 1.0)], 0.2, false).failed).toEqual(["slow"]);
  });
});

describe("informational figures", () => {
  it("are never compared, however much they changed", () => {
    const wall: Figure = { ...figure("wall", undefined, 4, "lower"), informational: true };
    const result = compareToBaseline([{ ...wall, value: 40 }], [wall], 0.2, false);
    expect(result.figures).toEqual([]);
    expect(result.failed).toEqual([]);
  });
});
