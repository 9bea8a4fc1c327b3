import { describe, expect, it } from "vitest";
import { nearestRank } from "../../src/metrics/percentiles.ts";
import { type DistributionSpec, sampler } from "../../src/sim/distributions.ts";
import { RandomStreams } from "../../src/sim/random.ts";

function draw(spec: DistributionSpec, count: number, seed = 1): Float64Array {
  const random = new RandomStreams(seed).stream("test");
  const distribution = sampler(spec);
  return Float64Array.from({ length: count }, () => distribution.sample(random)).sort();
}

function mean(values: Float64Array): number {
  return values.reduce((total, value) => total + value, 0) / values.length;
}

describe("distributions", () => {
  it("lognormal by median and p95 reproduces both quantiles", () => {
    const values = draw({ kind: "lognormal", median: 800, p95: 2500 }, 200_000);
    expect(nearestRank(values, 50) / 800).toBeCloseTo(1, 1);
    expect(nearestRank(values, 95) / 2500).toBeCloseTo(1, 1);
  });

  it("lognormal by mu and sigma has mean exp(mu + sigma²/2)", () => {
    const spec: DistributionSpec = { kind: "lognormal", mu: 2, sigma: 0.5 };
    expect(mean(draw(spec, 200_000)) / sampler(spec).mean).toBeCloseTo(1, 2);
  });

  it("exponential has the requested mean and only non-negative values", () => {
    const values = draw({ kind: "exponential", mean: 250 }, 200_000);
    expect(values[0]).toBeGreaterThanOrEqual(0);
    expect(mean(values) / 250).toBeCloseTo(1, 2);
  });

  it("uniform stays in [min, max) and averages the midpoint", () => {
    const values = draw({ kind: "uniform", min: 10, max: 30 }, 100_000);
    expect(values[0]).toBeGreaterThanOrEqual(10);
    expect(values[values.length - 1]).toBeLessThan(30);
    expect(mean(values)).toBeCloseTo(20, 0);
  });

  it("empirical draws only listed values, in proportion to their weights", () => {
    const values = draw({ kind: "empirical", values: [1, 2, 3], weights: [1, 0, 3] }, 40_000);
    const share = (wanted: number) => values.filter((value) => value === wanted).length / values.length;
    expect(share(2)).toBe(0);
    expect(share(1)).toBeCloseTo(0.25, 1);
    expect(share(3)).toBeCloseTo(0.75, 1);
  });

  it("constant is constant", () => {
    expect(new Set(draw({ kind: "constant", value: 7 }, 100))).toEqual(new Set([7]));
  });
});

describe("RandomStreams", () => {
  it("gives the same sequence for the same seed and concern, and different ones otherwise", () => {
    const sequence = (seed: number, concern: string) => {
      const stream = new RandomStreams(seed).stream(concern);
      return Array.from({ length: 5 }, () => stream.next());
    };
    expect(sequence(1, "arrivals")).toEqual(sequence(1, "arrivals"));
    expect(sequence(1, "arrivals")).not.toEqual(sequence(2, "arrivals"));
    expect(sequence(1, "arrivals")).not.toEqual(sequence(1, "faults/p"));
  });

  it("draws from one stream do not move another", () => {
    const streams = new RandomStreams(3);
    const untouched = new RandomStreams(3).stream("arrivals").next();
    for (let draw = 0; draw < 100; draw += 1) streams.stream("faults").next();
    expect(streams.stream("arrivals").next()).toBe(untouched);
  });
});
