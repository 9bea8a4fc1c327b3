// The schedlab command line end to end, as a child process: help, list, run, compare and validate, and
// the promise that a user mistake is one "schedlab: ..." line on stderr, exit code 2 and no report.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const REPORT_FILES = ["report.html", "runs.csv", "summary.csv", "summary.json", "summary.md"];

interface Outcome {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `schedlab ARGS...` from the repository root through tsx, as bin/schedlab.js does. */
function schedlab(...args: string[]): Outcome {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A user mistake: exit code 2, nothing on stdout, one "schedlab: " line and no stack on stderr. */
function expectUserError(outcome: Outcome, ...details: string[]): void {
  expect(outcome.status, `stderr: ${outcome.stderr}`).toBe(2);
  expect(outcome.stderr).toMatch(/^schedlab: [^\n]+\n$/);
  expect(outcome.stderr).not.toContain("    at ");
  expect(outcome.stdout).toBe("");
  for (const detail of details) expect(outcome.stderr).toContain(detail);
}

function defaultPolicyNames(): string[] {
  const raw = JSON.parse(readFileSync(join(ROOT, "scenarios", "default.json"), "utf8")) as { policies: { name: string }[] };
  return raw.policies.map((policy) => policy.name);
}

let temporary = "";
beforeAll(() => {
  temporary = mkdtempSync(join(tmpdir(), "schedlab-cli-"));
});
afterAll(() => {
  rmSync(temporary, { recursive: true, force: true });
});

describe("help", () => {
  it.each([[["--help"]], [["run", "--help"]], [["compare", "--help"]], [["list", "--help"]], [["validate", "--help"]], [["schema", "--help"]], [["check", "--help"]], [["merge", "--help"]]])(
    "schedlab %j exits 0 and prints a usage text",
    (args) => {
      const outcome = schedlab(...args);
      expect(outcome.status).toBe(0);
      expect(outcome.stdout).toContain("Usage");
      expect(outcome.stderr).toBe("");
    },
  );
});

describe("list", () => {
  it("--json lists the default scenario with the policies its file names", () => {
    const outcome = schedlab("list", "--json");
    expect(outcome.status, `stderr: ${outcome.stderr}`).toBe(0);
    const listing = JSON.parse(outcome.stdout) as { scenarios: { name: string; file: string; policies: string[] }[] };
    expect(Array.isArray(listing.scenarios)).toBe(true);
    for (const entry of listing.scenarios) {
      expect(Object.keys(entry).sort()).toEqual(["file", "name", "policies"]);
    }
    const defaultEntry = listing.scenarios.find((entry) => entry.name === "default");
    expect(defaultEntry).toEqual({ name: "default", file: join("scenarios", "default.json"), policies: defaultPolicyNames() });
  });
});

describe("run", () => {
  it("writes the four report files and a JSONL event log with increasing seq and nondecreasing t, and no temporary files", () => {
    const out = join(temporary, "run-report");
    const eventsFile = join(temporary, "run-events.jsonl");
    const outcome = schedlab("run", "default", "--seed", "3", "--out", out, "--events", eventsFile);
    expect(outcome.status, `stderr: ${outcome.stderr}`).toBe(0);
    expect(readdirSync(out).sort()).toEqual(REPORT_FILES);

    const lines = readFileSync(eventsFile, "utf8").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.length).toBeGreaterThan(1);
    let previousSeq = -1;
    let previousTime = -Infinity;
    lines.forEach((line, index) => {
      const event = JSON.parse(line) as { seq: unknown; t: unknown };
      if (typeof event.seq !== "number" || !Number.isInteger(event.seq)) throw new Error(`line ${index + 1}: seq is not an integer: ${line}`);
      if (typeof event.t !== "number" || !Number.isFinite(event.t)) throw new Error(`line ${index + 1}: t is not a number: ${line}`);
      if (event.seq <= previousSeq) throw new Error(`line ${index + 1}: seq ${event.seq} does not increase on ${previousSeq}`);
      if (event.t < previousTime) throw new Error(`line ${index + 1}: t ${event.t} goes back from ${previousTime}`);
      previousSeq = event.seq;
      previousTime = event.t;
    });

    expect(readdirSync(out).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(readdirSync(temporary).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("--json prints parseable summary.json, the same as the file it writes", () => {
    const out = join(temporary, "run-json");
    const outcome = schedlab("run", "default", "--seed", "3", "--json", "--out", out);
    expect(outcome.status, `stderr: ${outcome.stderr}`).toBe(0);
    const summary = JSON.parse(outcome.stdout) as { seeds: number[]; policies: { name: string }[] };
    expect(summary.seeds).toEqual([3]);
    expect(summary.policies.map((policy) => policy.name)).toEqual(defaultPolicyNames().slice(0, 1));
    expect(outcome.stdout).toBe(readFileSync(join(out, "summary.json"), "utf8"));
  });
});

describe("compare", () => {
  it("--seeds 2 writes a summary.json with two seeds and one entry per policy", () => {
    const out = join(temporary, "compare-report");
    const outcome = schedlab("compare", "default", "--seeds", "2", "--out", out);
    expect(outcome.status, `stderr: ${outcome.stderr}`).toBe(0);
    expect(readdirSync(out).sort()).toEqual(REPORT_FILES);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { seeds: number[]; policies: { name: string }[] };
    expect(summary.seeds).toHaveLength(2);
    expect(summary.policies.map((policy) => policy.name)).toEqual(defaultPolicyNames());
  });
});

describe("validate", () => {
  it("accepts scenarios/default.json with exit code 0", () => {
    const outcome = schedlab("validate", "scenarios/default.json");
    expect(outcome.status, `stderr: ${outcome.stderr}`).toBe(0);
    expect(outcome.stdout).toContain("ok");
  });

  it("rejects a file with a bad value with exit code 2, naming the path", () => {
    const file = join(temporary, "validate-bad.json");
    const scenario = JSON.parse(readFileSync(join(ROOT, "scenarios", "default.json"), "utf8")) as { providers: { max_concurrent: number }[] };
    const [provider] = scenario.providers;
    if (provider === undefined) throw new Error("scenarios/default.json has no provider");
    provider.max_concurrent = 0;
    writeFileSync(file, JSON.stringify(scenario, null, 2));
    expectUserError(schedlab("validate", file), file, "providers[0].max_concurrent");
  });
});

describe("user errors: exit code 2, one line on stderr, no stack, no report", () => {
  /** A fresh, not yet existing report folder for one case. */
  function outFor(name: string): string {
    return join(temporary, `no-report-${name}`);
  }

  it("rejects an unknown command", () => {
    const out = outFor("command");
    expectUserError(schedlab("simulate", "default", "--out", out), '"simulate"');
    expect(existsSync(out)).toBe(false);
  });

  it("rejects an unknown flag", () => {
    const out = outFor("flag");
    expectUserError(schedlab("run", "default", "--bogus", "--out", out), "--bogus");
    expect(existsSync(out)).toBe(false);
  });

  it("rejects a seed that is not a number", () => {
    const out = outFor("seed-abc");
    expectUserError(schedlab("run", "default", "--seed", "abc", "--out", out), "--seed", "abc");
    expect(existsSync(out)).toBe(false);
  });

  it("rejects a negative seed, naming the flag and the value", () => {
    const out = outFor("seed-negative");
    expectUserError(schedlab("run", "default", "--seed", "-1", "--out", out), "--seed", '"-1"');
    expect(existsSync(out)).toBe(false);
  });

  it("rejects a policy the scenario does not have, listing the ones it has", () => {
    const out = outFor("policy");
    expectUserError(schedlab("run", "default", "--policy", "nope", "--out", out), '"nope"', ...defaultPolicyNames());
    expect(existsSync(out)).toBe(false);
  });

  it("rejects compare --seeds 0", () => {
    const out = outFor("seeds-zero");
    expectUserError(schedlab("compare", "default", "--seeds", "0", "--out", out), "--seeds");
    expect(existsSync(out)).toBe(false);
  });

  it("rejects a scenario file that does not exist", () => {
    const out = outFor("missing-file");
    const file = join(temporary, "absent.json");
    expectUserError(schedlab("run", file, "--out", out), file, "no such file");
    expect(existsSync(out)).toBe(false);
  });

  it("rejects a scenario file with a bad value, naming the path to it", () => {
    const out = outFor("bad-value");
    const file = join(temporary, "run-bad.json");
    const scenario = JSON.parse(readFileSync(join(ROOT, "scenarios", "default.json"), "utf8")) as { providers: { max_concurrent: number }[] };
    const [provider] = scenario.providers;
    if (provider === undefined) throw new Error("scenarios/default.json has no provider");
    provider.max_concurrent = -4;
    writeFileSync(file, JSON.stringify(scenario, null, 2));
    expectUserError(schedlab("run", file, "--out", out), file, "providers[0].max_concurrent", "-4");
    expect(existsSync(out)).toBe(false);
  });

  it("rejects run without a SCENARIO", () => {
    const out = outFor("no-scenario");
    expectUserError(schedlab("run", "--out", out), "SCENARIO");
    expect(existsSync(out)).toBe(false);
  });

  it("rejects an --events file in a folder that does not exist", () => {
    const out = outFor("events-folder");
    const eventsFile = join(temporary, "absent-folder", "events.jsonl");
    expectUserError(schedlab("run", "default", "--out", out, "--events", eventsFile), eventsFile);
    expect(existsSync(out)).toBe(false);
  });

  it("rejects an --out that is an existing file", () => {
    const out = join(temporary, "out-is-a-file");
    writeFileSync(out, "not a folder\n");
    expectUserError(schedlab("run", "default", "--out", out), out);
    expect(readFileSync(out, "utf8")).toBe("not a folder\n");
  });
});
