// Long agent sessions, drawn from the seed before the run starts (so every context manager compared on a seed
// lives through the very same sessions): how many turns each has, each turn's size, the fact it may state (an id
// and an importance; pinned at or above a threshold), the probes later turns make for earlier facts, and the gaps
// between turns. Each concern draws from its own stream.

import { assert } from "../policies/assert.ts";
import type { Fact, Turn } from "../policies/context/context-manager.ts";
import type { SessionsSpec } from "../scenario/types.ts";
import { sampler } from "./distributions.ts";
import type { RandomStreams } from "./random.ts";

/** Turns of one session at most: a bound on the plan's memory and the run's events. */
export const MAX_TURNS_PER_SESSION = 100_000;

/** A probe: at turn `turn`, after it is appended, the session needs `fact` (stated at `statedTurn`). */
export interface Probe {
  readonly turn: number;
  readonly fact: Fact;
  readonly statedTurn: number;
}

export interface SessionPlan {
  readonly id: number;
  readonly turns: readonly Turn[];
  /** Per turn, the probes made after it (most turns make none). */
  readonly probesByTurn: ReadonlyMap<number, readonly Probe[]>;
  /** Per turn, the time from the previous turn (or the session's start) to it. */
  readonly gapsMs: readonly number[];
}

export function planSessions(spec: SessionsSpec, streams: RandomStreams): SessionPlan[] {
  const lengths = sampler(spec.turns);
  const sizes = sampler(spec.turnTokens);
  const gaps = sampler(spec.turnGapMs);
  const importance = sampler(spec.importance);
  const lengthRandom = streams.stream("sessions/lengths");
  const sizeRandom = streams.stream("sessions/turn_tokens");
  const gapRandom = streams.stream("sessions/gaps");
  const factRandom = streams.stream("sessions/facts");
  const probeRandom = streams.stream("sessions/probes");
  const plans: SessionPlan[] = [];
  for (let id = 1; id <= spec.count; id += 1) {
    const length = Math.min(MAX_TURNS_PER_SESSION, Math.max(1, Math.round(lengths.sample(lengthRandom))));
    const turns: Turn[] = [];
    const gapsMs: number[] = [];
    const stated: { fact: Fact; turn: number }[] = [];
    const probesByTurn = new Map<number, Probe[]>();
    for (let index = 0; index < length; index += 1) {
      const tokens = Math.max(1, Math.round(sizes.sample(sizeRandom)));
      const facts: Fact[] = [];
      if (factRandom.next() < spec.factChance) {
        const value = Math.min(1, Math.max(0, importance.sample(factRandom)));
        facts.push({ key: `s${id}.t${index}`, importance: value, pinned: value >= spec.pinnedImportanceMin });
        stated.push({ fact: facts[0] as Fact, turn: index });
      }
      turns.push({ index, tokens, facts });
      gapsMs.push(Math.max(0, gaps.sample(gapRandom)));
      const probe = probeFor(index, stated, spec.probeMinAgeTurns, spec.probeChance, () => probeRandom.next());
      if (probe !== undefined) probesByTurn.set(index, [probe]);
    }
    assert(turns.length === gapsMs.length, "one gap per turn");
    plans.push({ id, turns, probesByTurn, gapsMs });
  }
  return plans;
}

/** With chance `probeChance`, a probe for a fact stated at least `minAge` turns before, chosen uniformly. */
function probeFor(turn: number, stated: readonly { fact: Fact; turn: number }[], minAge: number, probeChance: number, random: () => number): Probe | undefined {
  // Two draws every turn, whatever happens, so that one setting does not shift the sequence of the other.
  const asks = random() < probeChance;
  const pick = random();
  if (!asks) return undefined;
  let eligible = stated.length;
  while (eligible > 0 && turn - (stated[eligible - 1] as { turn: number }).turn < minAge) eligible -= 1;
  if (eligible === 0) return undefined;
  const chosen = stated[Math.floor(pick * eligible)] as { fact: Fact; turn: number };
  return { turn, fact: chosen.fact, statedTurn: chosen.turn };
}
