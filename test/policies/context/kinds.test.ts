// How a scenario names a context manager: each kind's defaults from `{ kind }`, every bound of its options with
// the path zod reports, the cross-option checks, the registry's lookup, and that the parsed options reach the
// manager it builds (a snake_case option wired to the wrong field would pass the schema and still be wrong).

import { beforeAll, describe, expect, it, vi } from "vitest";
import type * as RegistryModule from "../../../src/policies/context/registry.ts";
import type { ContextEnvironment, Turn } from "../../../src/policies/context/context-manager.ts";

// The kinds' schemas and defaults are built when their modules are evaluated. A fresh copy, evaluated here rather
// than when the test file loads, is what lets a mutation run see a changed schema (docs/checking.md).
let registry: typeof RegistryModule;
beforeAll(async () => {
  vi.resetModules();
  registry = await import("../../../src/policies/context/registry.ts");
});

function schemaOf(kind: string) {
  return (registry.contextKind(kind) ?? expect.fail(`${kind} is not registered`)).schema;
}

/** The first problem zod finds, as `path: message`; "ok" when there is none. */
function firstProblem(input: { kind: string } & Record<string, unknown>): string {
  const parsed = schemaOf(input.kind).safeParse(input);
  if (parsed.success) return "ok";
  const issue = parsed.error.issues[0];
  return `${issue?.path.join(".")}: ${issue?.message}`;
}

const quiet: ContextEnvironment = { windowTokens: 1000, random: () => 0.5 };

describe("context kinds", () => {
  it("registers sliding_window, summarize and tiered, in that order, each with a one-line summary", () => {
    expect(registry.CONTEXT_KINDS.map((kind) => kind.kind)).toEqual(["sliding_window", "summarize", "tiered"]);
    for (const kind of registry.CONTEXT_KINDS) expect(kind.summary).toMatch(/^[a-z][^\n]{20,}$/);
    expect(registry.contextKind("lru")).toBeUndefined();
  });

  it("fills in each kind's documented defaults", () => {
    expect(schemaOf("sliding_window").parse({ kind: "sliding_window" })).toEqual({ kind: "sliding_window" });
    expect(schemaOf("summarize").parse({ kind: "summarize" })).toEqual({
      kind: "summarize",
      trigger_fraction: 1,
      keep_recent_fraction: 0.5,
      summary_max_fraction: 0.25,
      importance_threshold: 0.5,
      fact_loss_chance: 0.1,
      summary_overhead_tokens: 200,
      summary_tokens_per_fact: 40,
    });
    expect(schemaOf("tiered").parse({ kind: "tiered" })).toEqual({
      kind: "tiered",
      hot_fraction: 0.5,
      warm_fraction: 0.3,
      segment_turns: 4,
      importance_threshold: 0.5,
      fact_loss_chance: 0.1,
      summary_overhead_tokens: 100,
      summary_tokens_per_fact: 40,
      recall_overhead_tokens: 100,
      recall_latency_ms: 300,
      store_segments_max: 10_000,
    });
  });

  it.each([
    [{ kind: "sliding_window", window: 10 }, ""],
    [{ kind: "summarize", trigger_fraction: 0 }, "trigger_fraction"],
    [{ kind: "summarize", trigger_fraction: 1.01 }, "trigger_fraction"],
    [{ kind: "summarize", keep_recent_fraction: 0 }, "keep_recent_fraction"],
    [{ kind: "summarize", importance_threshold: -0.01 }, "importance_threshold"],
    [{ kind: "summarize", fact_loss_chance: 1.01 }, "fact_loss_chance"],
    [{ kind: "summarize", summary_overhead_tokens: -1 }, "summary_overhead_tokens"],
    [{ kind: "summarize", keep_recent_fraction: 0.8, summary_max_fraction: 0.3 }, "summary_max_fraction"],
    [{ kind: "tiered", hot_fraction: 0.8, warm_fraction: 0.3 }, "warm_fraction"],
    [{ kind: "tiered", segment_turns: 0 }, "segment_turns"],
    [{ kind: "tiered", segment_turns: 1.5 }, "segment_turns"],
    [{ kind: "tiered", segment_turns: 1001 }, "segment_turns"],
    [{ kind: "tiered", store_segments_max: -1 }, "store_segments_max"],
    [{ kind: "tiered", store_segments_max: 0.5 }, "store_segments_max"],
    [{ kind: "tiered", store_segments_max: 10_000_001 }, "store_segments_max"],
    [{ kind: "tiered", recall_latency_ms: -1 }, "recall_latency_ms"],
  ])("rejects %j at %s", (input, path) => {
    expect(firstProblem(input)).toMatch(new RegExp(`^${path}: `));
  });

  it("accepts every bound itself", () => {
    expect(firstProblem({ kind: "summarize", trigger_fraction: 1, keep_recent_fraction: 0.75, summary_max_fraction: 0.25, importance_threshold: 0, fact_loss_chance: 1, summary_overhead_tokens: 0 })).toBe("ok");
    expect(firstProblem({ kind: "tiered", hot_fraction: 0.7, warm_fraction: 0.3, segment_turns: 1, store_segments_max: 0 })).toBe("ok");
    expect(firstProblem({ kind: "tiered", segment_turns: 1000, store_segments_max: 10_000_000 })).toBe("ok");
  });

  it("says why fractions that do not share the window are refused", () => {
    expect(firstProblem({ kind: "summarize", keep_recent_fraction: 0.8, summary_max_fraction: 0.3 })).toBe("summary_max_fraction: keep_recent_fraction + summary_max_fraction must be at most 1");
    expect(firstProblem({ kind: "tiered", hot_fraction: 0.8, warm_fraction: 0.3 })).toBe("warm_fraction: hot_fraction + warm_fraction must be at most 1");
    // Reported as a custom issue: the refinement's own, not one of zod's built-in checks.
    expect(schemaOf("tiered").safeParse({ kind: "tiered", hot_fraction: 0.8, warm_fraction: 0.3 }).error?.issues[0]?.code).toBe("custom");
  });

  it("takes only its own kind's name", () => {
    expect(schemaOf("tiered").safeParse({ kind: "summarize" }).error?.issues[0]?.path).toEqual(["kind"]);
    expect(schemaOf("sliding_window").safeParse({}).success).toBe(false);
  });

  it("refuses a spec of an unregistered kind as a bug, naming it", () => {
    expect(() => registry.createContextManager({ kind: "lru", options: {} }, quiet)).toThrow("context manager lru is not registered");
  });

  it("builds each kind from its spec, defaults filled in", () => {
    for (const { kind } of registry.CONTEXT_KINDS) expect(registry.createContextManager({ kind, options: {} }, quiet).kind).toBe(kind);
  });

  it("sliding_window and summarize compact nothing under the window, store nothing and answer a probe at no cost", () => {
    for (const kind of ["sliding_window", "summarize"]) {
      const manager = registry.createContextManager({ kind, options: {} }, quiet);
      expect(manager.append({ index: 0, tokens: 10, facts: [{ key: "a", importance: 1, pinned: true }] })).toEqual([]);
      expect(manager.probe("b")).toEqual({ kind: "none" });
      expect(manager.storeSize()).toEqual({ segments: 0, tokens: 0 });
    }
  });

  it("hands summarize's options to the manager under their own names", () => {
    const manager = registry.createContextManager(
      { kind: "summarize", options: { trigger_fraction: 0.5, keep_recent_fraction: 0.2, summary_max_fraction: 0.3, importance_threshold: 0.6, fact_loss_chance: 0, summary_overhead_tokens: 30, summary_tokens_per_fact: 7 } },
      quiet,
    );
    const facts = [
      { key: "a", importance: 0.7, pinned: false },
      { key: "b", importance: 0.5, pinned: true },
    ];
    // 400 tokens stay under the trigger of 500; the next 300 pass it and the first turn is compacted (the 300 of the
    // newest turn are more than the 200 kept in full, so it goes too), keeping "a" (0.7 ≥ 0.6) and not "b".
    expect(manager.append({ index: 0, tokens: 400, facts })).toEqual([]);
    expect(manager.append({ index: 1, tokens: 300, facts: [] })).toEqual([{ turnsCompacted: 2, tokensRead: 700, tokensWritten: 37, factsKept: 1, factsLost: 1, segmentsHibernated: 0 }]);
  });

  it("hands tiered's options to the manager under their own names", () => {
    const manager = registry.createContextManager(
      {
        kind: "tiered",
        options: { hot_fraction: 0.2, warm_fraction: 0.4, segment_turns: 2, importance_threshold: 0.6, fact_loss_chance: 0, summary_overhead_tokens: 30, summary_tokens_per_fact: 7, recall_overhead_tokens: 11, recall_latency_ms: 13, store_segments_max: 1 },
      },
      quiet,
    );
    const turn = (index: number, key: string, importance: number): Turn => ({ index, tokens: 90, facts: [{ key, importance, pinned: false }] });
    expect(manager.append(turn(0, "a", 0.7))).toEqual([]);
    expect(manager.append(turn(1, "b", 0.5))).toEqual([]);
    // 270 hot tokens over the 200 of the hot tier: the two older turns go to one summary and one stored segment;
    // "b" is under the threshold of 0.6, so a probe recalls it.
    expect(manager.append(turn(2, "c", 0.7))).toEqual([{ turnsCompacted: 2, tokensRead: 180, tokensWritten: 37, factsKept: 1, factsLost: 1, segmentsHibernated: 1 }]);
    expect(manager.storeSize()).toEqual({ segments: 1, tokens: 180 });
    expect(manager.probe("b")).toEqual({ kind: "recall", turn: 1, tokens: 11 + 90, latencyMs: 13, compactions: [] });
    // The next turn compacts "c" and the recalled "b" (stored already): a second segment, and the store keeps one.
    expect(manager.append(turn(3, "d", 0.1))).toHaveLength(1);
    expect(manager.storeSize()).toEqual({ segments: 1, tokens: 90 });
    expect(manager.probe("a")).toEqual({ kind: "none" });
    expect(manager.probe("b")).toEqual({ kind: "recall_miss", latencyMs: 13 });
  });
});
