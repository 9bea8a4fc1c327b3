// schedlab check end to end: a passing swarm run and its summary, spawn_then_wait's hidden waiters as a finding,
// a real violation shrunk and replayed by the printed command, an exact replay, and one-line errors.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function schedlab(...args: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const temporary = mkdtempSync(join(tmpdir(), "schedlab-check-"));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

describe("schedlab check", () => {
  it("passes a lease policy and summarizes what the cases exercised", () => {
    const outcome = schedlab("check", "default", "--runs", "8", "--max-jobs", "40", "--policy", "fifo-retry-after");
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain("fifo-retry-after (lease): 8 cases");
    expect(outcome.stdout).toContain("every property held; hidden waiters: none");
    expect(outcome.stdout).toContain("faults exercised (cases): errors ");
    expect(outcome.stdout).toContain("scenario axes varied (cases): provider_cap ");
    expect(outcome.stdout).toContain("release reasons seen: ");
  });

  it("reports spawn_then_wait's hidden waiters as a finding, and --design checks a lease policy as if it spawned first", () => {
    const own = schedlab("check", "hidden-waiters", "--runs", "5", "--max-jobs", "150", "--policy", "spawn_then_wait", "--no-vary");
    expect(own.status, own.stderr).toBe(0);
    expect(own.stdout).toMatch(/every property held; hidden waiters: in [1-5] of 5 cases, up to \d+ at once/);
    expect(own.stdout).not.toContain("scenario axes varied");
    const redesigned = schedlab("check", "hidden-waiters", "--runs", "5", "--max-jobs", "150", "--policy", "lease", "--design", "spawn_then_wait", "--no-vary");
    expect(redesigned.status, redesigned.stderr).toBe(0);
    expect(redesigned.stdout).toMatch(/lease \(spawn_then_wait\): 5 cases, .* hidden waiters: in [1-5] of 5 cases/);
  });

  it("on a violation exits 1 with the shrunk case, and the printed command replays the same violation", () => {
    // A scenario whose runs cannot finish within their event budget: a real failure of the run, found and shrunk.
    // Its 60 jobs pass the loader's lower bound of events (8 a job at the least), but errors on most requests
    // make retries, and the runs go over.
    const file = join(temporary, "tiny-budget.json");
    const raw = JSON.parse(readFileSync(join(ROOT, "scenarios", "default.json"), "utf8")) as { providers: Record<string, unknown>[] };
    const providers = raw.providers.map((provider) => ({ ...provider, error_rate: 0.6 }));
    writeFileSync(file, JSON.stringify({ ...raw, providers, stop: { jobs: 60 }, limits: { max_events: 480 } }));
    const outcome = schedlab("check", file, "--runs", "20", "--max-jobs", "60", "--policy", "fifo-retry-after");
    expect(outcome.status, outcome.stderr).toBe(1);
    expect(outcome.stdout).toContain("VIOLATION");
    expect(outcome.stdout).toMatch(/The case, shrunk in \d+ steps to \d+ jobs, \d+ faults and \d+ varied axes:/);
    const violation = outcome.stdout.split("\n").find((line) => line.startsWith("  run_completes: "));
    expect(violation).toContain("EventLimitError");
    const lines = outcome.stdout.split("\n");
    const command = lines[lines.indexOf("Replay with:") + 1]?.trim() ?? "";
    expect(command).toMatch(/^schedlab check .* --policy fifo-retry-after --replay /);
    const replayed = spawnSync("bash", ["-c", command.replace(/^schedlab /, `"${process.execPath}" --import tsx src/cli/main.ts `)], { cwd: ROOT, encoding: "utf8" });
    expect(replayed.status, replayed.stderr).toBe(1);
    expect(replayed.stdout).toContain("fifo-retry-after: VIOLATED");
    expect(replayed.stdout).toContain(violation);
  });

  it("prints the same with --jobs 2 as with --jobs 1, for passing policies and for a shrunk violation", () => {
    const passing = ["check", "default", "--runs", "12", "--max-jobs", "40"];
    const one = schedlab(...passing, "--jobs", "1");
    expect(one.status, one.stderr).toBe(0);
    expect(schedlab(...passing, "--jobs", "2")).toEqual(one);
    const file = join(temporary, "tiny-budget-jobs.json");
    // As above: runs that pass the loader's lower bound of events but go over it through retries.
    const raw = JSON.parse(readFileSync(join(ROOT, "scenarios", "default.json"), "utf8")) as { providers: Record<string, unknown>[] };
    const providers = raw.providers.map((provider) => ({ ...provider, error_rate: 0.6 }));
    writeFileSync(file, JSON.stringify({ ...raw, providers, stop: { jobs: 60 }, limits: { max_events: 480 } }));
    const failing = ["check", file, "--runs", "20", "--max-jobs", "60"];
    const failedOne = schedlab(...failing, "--jobs", "1");
    expect(failedOne.status, failedOne.stderr).toBe(1);
    expect(failedOne.stdout).toContain("Replay with:");
    expect(schedlab(...failing, "--jobs", "2")).toEqual(failedOne);
  });

  it("stops on Ctrl-C with exit code 130 and one line saying no results exist", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "check", "default", "--runs", "5000", "--jobs", "2"], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Well after tsx's start-up, well before 15,000 cases are done.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/^schedlab: interrupted after \d+ of 1500 batches of 10 cases; no results: a policy is reported once all its cases have run\n$/);
    expect(stdout).toBe("");
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
    [["--jobs", "0"], "--jobs: expected an integer from 1"],
    [["--policy", "nope"], '--policy: no policy "nope"'],
    [["--design", "nope"], '--design: expected one of lease, spawn_then_wait, reject_backoff, got "nope"'],
    [["--replay", JSON.stringify({ seed: 1, vary: { provider_cap: 0 } })], "--replay: vary.provider_cap: expected an integer ≥ 1, got 0"],
    [["--replay", JSON.stringify({ seed: 1, vary: { shape: { kind: "ring" } } })], "--replay: vary.shape: expected"],
  ])("rejects %j in one line with exit code 2", (args, message) => {
    const outcome = schedlab("check", "default", ...args);
    expect(outcome.status).toBe(2);
    expect(outcome.stderr).toMatch(/^schedlab: [^\n]+\n$/);
    expect(outcome.stderr).not.toContain("    at ");
    expect(outcome.stdout).toBe("");
    expect(outcome.stderr).toContain(message);
  });
});
