// A session for context managers to live through, drawn by fast-check: turns of any size (some larger than the
// window), facts with importances (some pinned), probes for facts stated earlier, and a seed for the managers'
// chance. `drive` replays it against a manager and hands every step to a check.

import fc from "fast-check";
import seedrandom from "seedrandom";
import type { ContextEnvironment, ContextManager, Fact, ProbeCost, Turn } from "../../../src/policies/context/context-manager.ts";

export type Step = { readonly kind: "turn"; readonly turn: Turn } | { readonly kind: "probe"; readonly key: string };

export interface Session {
  readonly windowTokens: number;
  readonly seed: number;
  readonly steps: readonly Step[];
}

const turnShape = fc.record({
  tokens: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 400 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 6000 }) }),
  facts: fc.array(fc.record({ importance: fc.double({ min: 0, max: 1, noNaN: true }), pinned: fc.boolean() }), { maxLength: 3 }),
  probes: fc.array(fc.nat(), { maxLength: 2 }),
});

export const sessionArbitrary: fc.Arbitrary<Session> = fc
  .record({ windowTokens: fc.integer({ min: 200, max: 5000 }), seed: fc.nat(), turns: fc.array(turnShape, { maxLength: 120, size: "max" }) })
  .map(({ windowTokens, seed, turns }) => {
    const steps: Step[] = [];
    const keys: string[] = [];
    turns.forEach((shape, index) => {
      const facts: Fact[] = shape.facts.map((fact, factIndex) => ({ key: `f${index}.${factIndex}`, importance: fact.importance, pinned: fact.pinned }));
      steps.push({ kind: "turn", turn: { index, tokens: shape.tokens, facts } });
      keys.push(...facts.map((fact) => fact.key));
      for (const pick of shape.probes) if (keys.length > 0) steps.push({ kind: "probe", key: keys[pick % keys.length] as string });
    });
    return { windowTokens, seed, steps };
  });

export function environmentOf(session: Session): ContextEnvironment {
  const generator = seedrandom.alea(`context/${session.seed}`);
  return { windowTokens: session.windowTokens, random: () => generator() };
}

/** What a manager did at one step, for comparing two runs. */
export type Outcome = { readonly step: number; readonly result: unknown; readonly context: unknown };

export function drive(manager: ContextManager, session: Session, check: (step: number, manager: ContextManager, cost: ProbeCost | undefined) => void = () => {}): Outcome[] {
  const outcomes: Outcome[] = [];
  session.steps.forEach((step, index) => {
    const result = step.kind === "turn" ? manager.append(step.turn) : manager.probe(step.key);
    check(index, manager, step.kind === "probe" ? (result as ProbeCost) : undefined);
    outcomes.push({ step: index, result, context: manager.assemble() });
  });
  return outcomes;
}

/** The assembled context as one line per item, for example-based tests: "turn 3", "turn 0 recalled", "summary 0-2". */
export function itemsOf(manager: ContextManager): string[] {
  return manager.assemble().items.map((item) => (item.kind === "turn" ? `turn ${item.turn}${item.recalled ? " recalled" : ""}` : `${item.kind} ${item.firstTurn}-${item.lastTurn}`));
}

export const turnOf = (index: number, tokens: number, facts: readonly Fact[] = []): Turn => ({ index, tokens, facts });
