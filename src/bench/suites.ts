// The suites by name, run probe by probe, and the second look at figures that seem to have regressed: a
// shared machine can be busy for a whole round, a real slowdown is slow every time, so a figure fails only
// when a fresh measurement of it is worse than the threshold too (the better of the two counts).

import { engineSuite, ledgerSuite, simulateSuite } from "./core-suites.ts";
import { comparable, type Figure } from "./figures.ts";
import { memorySuite } from "./memory-suite.ts";
import { oneMillionSuite } from "./one-million-suite.ts";
import { queueSuite } from "./queue-suite.ts";
import type { Probe, Sampler } from "./sampler.ts";

export const SUITES = ["engine", "simulate", "ledger", "one-million", "queues", "memory"] as const;
export type Suite = (typeof SUITES)[number];

export function probesOf(suite: Suite, queueKinds: readonly string[]): Probe[] {
  switch (suite) {
    case "engine":
      return engineSuite();
    case "simulate":
      return simulateSuite();
    case "ledger":
      return ledgerSuite();
    case "one-million":
      return oneMillionSuite();
    case "queues":
      return queueSuite(queueKinds);
    case "memory":
      return memorySuite();
    default: {
      const unknown: never = suite;
      throw new Error(`unknown suite ${String(unknown)}`);
    }
  }
}

export interface Measured {
  readonly figures: Figure[];
  /** The probe that measured each figure, to measure it again. */
  readonly probeOf: Map<string, Probe>;
}

export function measure(probes: readonly Probe[], sampler: Sampler, onFigure: (figure: Figure) => void): Measured {
  const figures: Figure[] = [];
  const probeOf = new Map<string, Probe>();
  for (const probe of probes) {
    for (const figure of probe(sampler)) {
      figures.push(figure);
      probeOf.set(figure.name, probe);
      onFigure(figure);
    }
  }
  return { figures, probeOf };
}

/** The better of two measurements of one figure, in its own direction. */
export function better(first: Figure, second: Figure): Figure {
  const firstValue = comparable(first);
  const secondValue = comparable(second);
  if (first.better === "higher") return secondValue > firstValue ? second : first;
  return secondValue < firstValue ? second : first;
}

/** Measures the named figures again and keeps, for each, the better of the two measurements. */
export function remeasure(measured: Measured, names: readonly string[], sampler: Sampler, onFigure: (figure: Figure) => void): Figure[] {
  const probes = [...new Set(names.map((name) => measured.probeOf.get(name)).filter((probe) => probe !== undefined))];
  const again = new Map<string, Figure>();
  for (const probe of probes) {
    for (const figure of probe(sampler)) {
      again.set(figure.name, figure);
      onFigure(figure);
    }
  }
  return measured.figures.map((figure) => {
    const second = names.includes(figure.name) ? again.get(figure.name) : undefined;
    return second === undefined ? figure : better(figure, second);
  });
}
