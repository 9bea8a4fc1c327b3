// --jobs, --shard and merge end to end, as child processes under tsx (so the workers load the sources the way
// `npm run schedlab` does): every report file is the same for every --jobs and for merged shards; merging
// shards that do not make one request fails in one line; Ctrl-C leaves no report and exits 130.

import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const REPORT_FILES = ["report.html", "runs.csv", "summary.csv", "summary.json", "summary.md"];
const SEEDS = ["--seeds", "3"];

interface Outcome {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function schedlab(...args: string[]): Outcome {
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectUserError(outcome: Outcome, ...details: string[]): void {
  expect(outcome.status, `stderr: ${outcome.stderr}`).toBe(2);
  expect(outcome.stderr).toMatch(/^schedlab: [^\n]+\n$/);
  expect(outcome.stdout).toBe("");
  for (const detail of details) expect(outcome.stderr).toContain(detail);
}

function filesOf(folder: string): Record<string, string> {
  return Object.fromEntries(readdirSync(folder).sort().map((name) => [name, readFileSync(join(folder, name), "utf8")]));
}

let temporary = "";
beforeAll(() => {
  temporary = mkdtempSync(join(tmpdir(), "schedlab-parallel-"));
});
afterAll(() => {
  rmSync(temporary, { recursive: true, force: true });
});

describe("compare --jobs", () => {
  it("writes byte-identical report files with --jobs 1 and --jobs 2", () => {
    const one = schedlab("compare", "default", ...SEEDS, "--jobs", "1", "--out", join(temporary, "jobs-1"));
    const two = schedlab("compare", "default", ...SEEDS, "--jobs", "2", "--out", join(temporary, "jobs-2"));
    expect(one.status, one.stderr).toBe(0);
    expect(two.status, two.stderr).toBe(0);
    expect(Object.keys(filesOf(join(temporary, "jobs-2")))).toEqual(REPORT_FILES);
    expect(filesOf(join(temporary, "jobs-2"))).toEqual(filesOf(join(temporary, "jobs-1")));
    expect(two.stdout.replaceAll("jobs-2", "jobs-1")).toBe(one.stdout);
    // Nothing on stderr: no progress bar when stderr is not a terminal.
    expect(two.stderr).toBe("");
  });

  it.each([["0"], ["two"], ["1.5"], ["257"]])("rejects --jobs %s in one line", (value) => {
    expectUserError(schedlab("compare", "default", "--jobs", value), "--jobs", value);
  });
});

describe("compare --shard and merge", () => {
  let shards: string[] = [];
  beforeAll(() => {
    shards = ["1/2", "2/2"].map((shard, index) => {
      const out = join(temporary, `shard-${index + 1}`);
      const outcome = schedlab("compare", "default", ...SEEDS, "--shard", shard, "--jobs", String(index + 1), "--out", out);
      if (outcome.status !== 0) throw new Error(outcome.stderr);
      return out;
    });
  }, 120_000);

  it("two shards merged give the report of the unsharded run, byte for byte", () => {
    expect(readdirSync(shards[0] as string).sort()).toEqual(["manifest.json", "runs.jsonl"]);
    const whole = schedlab("compare", "default", ...SEEDS, "--out", join(temporary, "whole"));
    const merged = schedlab("merge", ...shards.reverse(), "--out", join(temporary, "merged"));
    expect(whole.status, whole.stderr).toBe(0);
    expect(merged.status, merged.stderr).toBe(0);
    expect(filesOf(join(temporary, "merged"))).toEqual(filesOf(join(temporary, "whole")));
    expect(merged.stdout.replaceAll("merged", "whole")).toBe(whole.stdout);
  });

  it("refuses a missing shard, a shard given twice and shards of another request, writing nothing", () => {
    const out = join(temporary, "refused");
    const [first, second] = shards as [string, string];
    expectUserError(schedlab("merge", first, "--out", out), "missing shard");
    expectUserError(schedlab("merge", first, first, second, "--out", out), "given twice");
    const other = join(temporary, "other-request");
    expect(schedlab("compare", "default", "--seeds", "2", "--shard", "2/2", "--out", other).status).toBe(0);
    expectUserError(schedlab("merge", first, other, "--out", out), "another request", "seeds");
    const otherCount = join(temporary, "other-count");
    expect(schedlab("compare", "default", ...SEEDS, "--shard", "2/3", "--out", otherCount).status).toBe(0);
    expectUserError(schedlab("merge", first, otherCount, "--out", out), "one of 2");
    expect(existsSync(out)).toBe(false);
  });

  it("refuses folders that are not shards, truncated or edited ones", () => {
    const out = join(temporary, "refused-2");
    expectUserError(schedlab("merge", temporary, "--out", out), "manifest.json", "cannot read");
    const truncated = join(temporary, "truncated");
    cpSync(shards[1] as string, truncated, { recursive: true });
    const lines = readFileSync(join(truncated, "runs.jsonl"), "utf8").split("\n");
    writeFileSync(join(truncated, "runs.jsonl"), lines.slice(0, 2).join("\n"));
    expectUserError(schedlab("merge", shards[0] as string, truncated, "--out", out), "runs.jsonl", "expected");
    const edited = join(temporary, "edited");
    cpSync(shards[1] as string, edited, { recursive: true });
    writeFileSync(join(edited, "manifest.json"), readFileSync(join(edited, "manifest.json"), "utf8").replace('"seed": 1', '"seed": 2'));
    expectUserError(schedlab("merge", shards[0] as string, edited, "--out", out), "requestId does not match");
    expectUserError(schedlab("merge", ...shards), "--out");
    expect(existsSync(out)).toBe(false);
  });

  it.each([["0/2"], ["3/2"], ["1"], ["a/b"], ["1/0"]])("rejects --shard %s in one line", (value) => {
    expectUserError(schedlab("compare", "default", "--shard", value), "--shard", value);
  });
});

/** Starts a 180-run comparison, sends SIGINT 4 s in (well after tsx's start-up), and returns how it ended. */
// --force: the earlier report in the folder is of another request (2 seeds); only the interruption may keep it.
async function interruptedCompare(jobs: string, out: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "compare", "default", "--seeds", "200", "--jobs", jobs, "--out", out, "--force"], { cwd: ROOT });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  child.kill("SIGINT");
  return { code: await exited, stderr };
}

describe("Ctrl-C", () => {
  it.each([["1"], ["2"]])("stops compare --jobs %s with exit code 130, one line on stderr and no report", async (jobs) => {
    const out = join(temporary, `interrupted-${jobs}`);
    const { code, stderr } = await interruptedCompare(jobs, out);
    expect(code).toBe(130);
    expect(stderr).toMatch(/^schedlab: interrupted after \d+ of 600 runs; nothing written; no complete report exists in [^\n]+\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it("says an earlier complete report in the folder is unchanged, and leaves it so", async () => {
    const out = join(temporary, "interrupted-over-report");
    expect(schedlab("compare", "default", "--seeds", "2", "--out", out).status).toBe(0);
    const before = filesOf(out);
    const { code, stderr } = await interruptedCompare("2", out);
    expect(code).toBe(130);
    expect(stderr).toMatch(/^schedlab: interrupted after \d+ of 600 runs; nothing written; the complete report already in [^\n]+ is unchanged\n$/);
    expect(filesOf(out)).toEqual(before);
  });
});
