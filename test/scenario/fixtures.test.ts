// Every fixture under test/scenario/fixtures through `schedlab validate`: the exit code and each line it
// prints, by path and message. Among them the four cases issue 11 found silent: an overloaded provider, a
// limit for a tenant that does not exist, a reaper that stops working workers, and a lognormal input too
// large for the provider's tokens per minute.

import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { schedlabInProcess } from "../cli/in-process.ts";

const DIRECTORY = "test/scenario/fixtures";

type Expected = readonly [kind: "error" | "warning", path: string, ...details: string[]];

const CASES: Readonly<Record<string, { status: number; lines: readonly Expected[] }>> = {
  "overloaded-provider.json": { status: 0, lines: [["warning", "providers[0]", "smart: offered about 4.7× what its max_concurrent = 4 slots can serve", "backlog will grow"]] },
  "unknown-tenant-limit.json": { status: 2, lines: [["error", "policies[0].project_limits.acmee", 'no template has tenant "acmee"; did you mean "acme"? (have: acme, globex)']] },
  "false-reaps.json": {
    status: 0,
    lines: [["warning", "policies[0].reap_after_ms", "reap-20s: 20000 ms is shorter than a working worker's longest silence, about 117,000 ms", "false_reaps"]],
  },
  "lognormal-tpm.json": {
    status: 2,
    lines: [["error", "templates[0].max_output_tokens", "requests of 59234 tokens (input_tokens at its P99.9, a lognormal has no maximum", "tokens_per_minute = 8000", "about 50% of them would fail"]],
  },
  "bom.json": { status: 0, lines: [] },
  "utf16.json": { status: 2, lines: [["error", "", "is UTF-16 encoded", "save it as UTF-8"]] },
  "latin1.json": { status: 2, lines: [["error", "", "is not valid UTF-8: byte 0xe9 on line"]] },
  "typo-field.json": {
    status: 2,
    lines: [
      ["error", "providers[0].max_concurrent", "missing: expected number"],
      ["error", "providers[0]", 'unknown field "max_concurent"; did you mean "max_concurrent"?'],
    ],
  },
  "typo-provider.json": { status: 2, lines: [["error", "templates[0].provider", 'no provider is named "fats"; did you mean "fast"? (have: fast, smart)']] },
  "many-problems.json": {
    status: 2,
    lines: [
      ["error", "stop", "give jobs, duration_ms, or both"],
      ["error", "providers[0].max_concurrent", "(got -2)"],
      ["error", "providers[1].latency.decode_tokens_per_second.kind", 'did you mean "lognormal"?'],
      ["error", "templates[0].lane", 'did you mean "interactive"?'],
      ["error", "policies[0].queue", 'unknown field "weigths"; did you mean "weights"?'],
      ["error", "policies[1].name", '"fifo" is already the name of policies[0]'],
      ["error", "templates[0].provider", 'did you mean "fast"?'],
      ["error", "policies[1].project_limits.acmee", 'did you mean "acme"?'],
    ],
  },
  "nan-string.json": { status: 2, lines: [["error", "arrivals.rate_per_second", 'expected number, received string (got "NaN")']] },
  "huge-number.json": { status: 2, lines: [["error", "providers[0].max_concurrent", "(got Infinity)"]] },
  "truncated.json": { status: 2, lines: [["error", "", "not valid JSON: the file ends too early at line 29, column 6"]] },
  // The path to the first bracket too deep, cut to 80 characters.
  "deep-nesting.json": { status: 2, lines: [["error", `${`resources.gpu${"[0]".repeat(30)}`.slice(0, 80)}…`, "nested more than 64 levels deep at line 1, column 713"]] },
  "extends-cycle-a.json": {
    status: 2,
    lines: [["error", "extends", `extends cycle: ${DIRECTORY}/extends-cycle-a.json → ${DIRECTORY}/extends-cycle-b.json → ${DIRECTORY}/extends-cycle-a.json`]],
  },
  "extends-cycle-b.json": {
    status: 2,
    lines: [["error", "extends", `extends cycle: ${DIRECTORY}/extends-cycle-b.json → ${DIRECTORY}/extends-cycle-a.json → ${DIRECTORY}/extends-cycle-b.json`]],
  },
  "extends-missing-base.json": { status: 2, lines: [["error", "extends", `"./no-such-base.json": ${DIRECTORY}/no-such-base.json: no such file`]] },
  "extends-base-broken.json": {
    status: 2,
    lines: [
      ["error", "providers[0].max_concurrent", `missing: expected number (set in ${DIRECTORY}/typo-field.json)`],
      ["error", "providers[0]", `unknown field "max_concurent"; did you mean "max_concurrent"? (set in ${DIRECTORY}/typo-field.json)`],
    ],
  },
  "extends-child.json": { status: 0, lines: [] },
  "bad-context.json": {
    status: 2,
    lines: [
      ["error", "policies[1].context.kind", '"sliding_window"|"summarize"|"tiered"'],
      ["error", "policies[2].context.warm_fraction", "hot_fraction + warm_fraction must be at most 1 (got 0.5)"],
      ["error", "sessions", 'unknown field "windw_tokens"; did you mean "window_tokens"?'],
    ],
  },
};

describe("broken fixtures through schedlab validate", () => {
  it("has an expectation for every fixture file", async () => {
    expect(readdirSync(DIRECTORY).filter((name) => name.endsWith(".json")).sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))("%s", async (name, expected) => {
    const file = `${DIRECTORY}/${name}`;
    const outcome = await schedlabInProcess("validate", file);
    expect(outcome.status, outcome.stderr).toBe(expected.status);
    const lines = outcome.stderr.split("\n").filter((line) => line !== "");
    expect(lines, outcome.stderr).toHaveLength(expected.lines.length);
    expected.lines.forEach(([kind, path, ...details], index) => {
      const prefix = `schedlab: ${kind === "warning" ? "warning: " : ""}${file}: ${path === "" ? "" : `${path}: `}`;
      const line = lines[index] as string;
      expect(line.startsWith(prefix), `${line}\ndoes not start with\n${prefix}`).toBe(true);
      for (const detail of details) expect(line).toContain(detail);
    });
    if (expected.status === 0) expect(outcome.stdout).toMatch(new RegExp(`^${file.replaceAll(".", "\\.")}: ok \\(`));
    else expect(outcome.stdout).toBe("");
  });
});
