// schedlab check end to end: a passing swarm run, an exact replay, and one-line errors for bad --replay input.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function schedlab(...args: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("schedlab check", () => {
  it("passes a scenario's lease policies and reports what it exercised", () => {
    const outcome = schedlab("check", "default", "--runs", "4", "--max-jobs", "60", "--policy", "fifo-retry-after");
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain("fifo-retry-after (lease): 4 cases");
    expect(outcome.stdout).toContain("every property held");
    expect(outcome.stdout).toContain("faults exercised");
  });

  it("replays one case exactly, from the JSON a failure prints", () => {
    const replay = JSON.stringify({ seed: 5, faults: { errors: true, job_cancellations: true } });
    const first = schedlab("check", "default", "--policy", "fifo-retry-after", "--max-jobs", "60", "--replay", replay);
    const second = schedlab("check", "default", "--policy", "fifo-retry-after", "--max-jobs", "60", "--replay", replay);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/fifo-retry-after: every property held \(\d+ events\)/);
    expect(second.stdout).toBe(first.stdout);
  });

  it.each([
    [["--replay", "{bad"], "--replay: not valid JSON"],
    [["--replay", JSON.stringify({ seed: 1, faults: { nope: true } })], "faults.nope: unknown fault kind"],
    [["--replay", JSON.stringify({ seed: 1, faults: { errors: "yes" } })], 'faults.errors: expected true or false, got "yes"'],
    [["--runs", "0"], "--runs: expected an integer from 1"],
    [["--policy", "nope"], '--policy: no policy "nope"'],
  ])("rejects %j in one line with exit code 2", (args, message) => {
    const outcome = schedlab("check", "default", ...args);
    expect(outcome.status).toBe(2);
    expect(outcome.stderr).toMatch(/^schedlab: [^\n]+\n$/);
    expect(outcome.stderr).toContain(message);
  });
});
