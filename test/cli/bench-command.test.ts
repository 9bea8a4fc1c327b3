// schedlab bench end to end on its smallest suites: a saved run reads back as a baseline, the planted
// slowdown (SCHEDLAB_PLANTED_SLOWDOWN, test-only) is caught and named, and bad flags or files exit 2.
// The slowdown planted here is ~10× on the engine loop, far beyond any noise, so this test cannot flake on
// timing; the honest pass/fail demonstration at real thresholds is in docs/benchmarks.md.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readBaseline } from "../../src/bench/baseline.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const folder = mkdtempSync(join(tmpdir(), "schedlab-bench-"));
const QUICK = ["--rounds", "3", "--time-ms", "40"];

function schedlab(args: readonly string[], env: Readonly<Record<string, string>> = {}) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "bench", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  if (result.error !== undefined) throw result.error;
  return result;
}

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("schedlab bench", () => {
  it("saves a baseline, and fails naming the engine figure when the planted slowdown is on", () => {
    const baseline = join(folder, "engine.json");
    const saved = schedlab(["--only", "engine", ...QUICK, "--save", baseline]);
    expect(saved.status, saved.stderr).toBe(0);
    const report = readBaseline(baseline);
    expect(report.figures.map((figure) => figure.name)).toEqual(["event heap pop+push, 1,000 pending", "event heap pop+push, 100,000 pending", "engine dispatch, 1,000 pending"]);
    expect(report.figures.every((figure) => figure.ratio !== undefined && figure.ratio > 0)).toBe(true);

    const slowed = schedlab(["--only", "engine", ...QUICK, "--baseline", baseline, "--max-regression", "50"], { SCHEDLAB_PLANTED_SLOWDOWN: "3000" });
    expect(slowed.status, slowed.stdout + slowed.stderr).toBe(1);
    expect(slowed.stdout).toMatch(/REGRESSED \(\d+\): [^\n]*engine dispatch, 1,000 pending/);
    // The heap alone does not go through the engine: the switch slows the event loop, not everything.
    expect(slowed.stdout).not.toMatch(/regressed +event heap pop\+push, 1,000 pending/);
  });

  it("rejects bad flags and baseline files in one line with exit code 2", () => {
    const cases: [string[], string][] = [
      [["--max-regression", "abc"], '--max-regression: expected a percentage from 0 to 99, got "abc"'],
      [["--only", "engine,disk"], '--only: unknown "disk"'],
      [["--rounds", "0"], "--rounds: expected an integer from 1 to 100"],
      [["--baseline", join(folder, "absent.json")], "--baseline: cannot read"],
      [["--save", join(folder, "no-such-folder", "b.json")], "--save: cannot write"],
    ];
    const broken = join(folder, "broken.json");
    writeFileSync(broken, JSON.stringify({ schema_version: 1, figures: [] }));
    cases.push([["--baseline", broken], `${broken}: node: `]);
    for (const [args, message] of cases) {
      const outcome = schedlab(args);
      expect(outcome.status, `${args.join(" ")}: ${outcome.stderr}`).toBe(2);
      expect(outcome.stderr).toMatch(/^schedlab: [^\n]+\n$/);
      expect(outcome.stderr).toContain(message);
      expect(outcome.stdout).toBe("");
    }
  });

  it("leaves results and event logs unchanged under the planted slowdown", () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "run", "default", "--seed", "4", "--events", join(folder, `${Object.keys(env).length}.jsonl`), "--out", join(folder, "out"), "--json"], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, ...env },
      });
    const plain = run({});
    const slowed = run({ SCHEDLAB_PLANTED_SLOWDOWN: "50" });
    expect(plain.status, plain.stderr).toBe(0);
    expect(slowed.status, slowed.stderr).toBe(0);
    expect(readFileSync(join(folder, "1.jsonl"), "utf8")).toBe(readFileSync(join(folder, "0.jsonl"), "utf8"));
    const invalid = run({ SCHEDLAB_PLANTED_SLOWDOWN: "lots" });
    expect(invalid.status).not.toBe(0);
    expect(invalid.stderr).toContain('SCHEDLAB_PLANTED_SLOWDOWN: expected an integer ≥ 0, got "lots"');
  });
});
