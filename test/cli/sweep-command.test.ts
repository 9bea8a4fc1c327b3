// schedlab sweep end to end (in process): the report folder's files and their rows, the grid's size shown
// before any run and refused past --max-cases, and each mistake one line naming its --param with nothing written.

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Outcome, schedlabInProcess } from "./in-process.ts";

const DEFAULT_FILE = fileURLToPath(new URL("../../scenarios/default.json", import.meta.url));
const REPORT_FILES = ["report.html", "runs.csv", "summary.csv", "summary.json", "summary.md"];

/** The CSV files of these sweeps have no quoted cells (no value holds a comma), so lines and commas suffice. */
function csvRecords(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trimEnd().split("\n");
  const columns = (header ?? "").split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((cell, index) => [columns[index] ?? "", cell])));
}

let folder = "";
let tiny = "";
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "schedlab-sweep-cli-"));
  tiny = join(folder, "tiny.json");
  writeFileSync(tiny, JSON.stringify({ extends: relative(folder, DEFAULT_FILE), name: "tiny", stop: { jobs: 100 } }));
});
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function expectUserError(outcome: Outcome, message: string, out: string): void {
  expect(outcome.status).toBe(2);
  expect(outcome.stdout).toBe("");
  expect(outcome.stderr).toBe(`schedlab: ${message}\n`);
  expect(existsSync(out)).toBe(false);
}

describe("schedlab sweep", () => {
  it("writes a table per figure, a row per point × policy × seed, and one per point × policy", async () => {
    const out = join(folder, "two-by-two");
    const outcome = await schedlabInProcess(
      "sweep", tiny, "--param", "providers[fast].max_concurrent=4,16", "--param", "arrivals.rate_per_second=1,3",
      "--policies", "fifo-retry-after,fifo-fixed-retry", "--seeds", "2", "--out", out,
    );
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(outcome.stderr).toContain("sweep 4 points × 2 policies × 2 seeds = 16 runs");
    expect(outcome.stdout).toContain(`Wrote ${join(out, "summary.md")}`);
    expect(readdirSync(out).sort()).toEqual(REPORT_FILES);
    const runs = csvRecords(readFileSync(join(out, "runs.csv"), "utf8"));
    expect(runs).toHaveLength(16);
    expect(Object.keys(runs[0]!).slice(0, 5)).toEqual(["providers[fast].max_concurrent", "arrivals.rate_per_second", "policy", "seed", "latency_ms_p95"]);
    const summary = csvRecords(readFileSync(join(out, "summary.csv"), "utf8"));
    expect(summary).toHaveLength(8);
    const markdown = readFileSync(join(out, "summary.md"), "utf8");
    for (const title of ["P95 latency, all jobs (s)", "P95 latency, lane interactive (s)", "Throughput while jobs arrive", "Cost per completed job ($)", "429 responses per run"]) {
      expect(markdown).toContain(title);
    }
    const json = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { kind: string; points: { values: Record<string, unknown>; policies: { runs: unknown[] }[] }[] };
    expect(json.kind).toBe("sweep");
    expect(json.points.map((point) => point.values)).toEqual([
      { "providers[fast].max_concurrent": 4, "arrivals.rate_per_second": 1 },
      { "providers[fast].max_concurrent": 4, "arrivals.rate_per_second": 3 },
      { "providers[fast].max_concurrent": 16, "arrivals.rate_per_second": 1 },
      { "providers[fast].max_concurrent": 16, "arrivals.rate_per_second": 3 },
    ]);
    expect(json.points[0]!.policies[0]!.runs).toHaveLength(2);
  }, 60_000);

  it("warns about a point that overloads a provider the scenario itself does not", async () => {
    const out = join(folder, "overloaded");
    const outcome = await schedlabInProcess("sweep", tiny, "--param", "providers[fast].max_concurrent=2,16", "--policies", "fifo-retry-after", "--seeds", "1", "--out", out);
    expect(outcome.status, outcome.stderr).toBe(0);
    const warnings = outcome.stderr.split("\n").filter((line) => line.startsWith("schedlab: warning:"));
    expect(warnings.length).toBeGreaterThan(0);
    for (const warning of warnings) expect(warning).toMatch(/^schedlab: warning: at providers\[fast\]\.max_concurrent=2: .*providers\[0\]: fast: /);
  });

  it("names a misspelt list element, and writes nothing", async () => {
    const out = join(folder, "typo");
    const outcome = await schedlabInProcess("sweep", tiny, "--param", "providers[fsat].max_concurrent=4,8", "--out", out);
    expectUserError(outcome, '--param providers[fsat].max_concurrent: no provider is named "fsat"; did you mean "fast"?', out);
  });

  it("names the --param whose value the scenario cannot take", async () => {
    const out = join(folder, "bad-value");
    const outcome = await schedlabInProcess("sweep", tiny, "--param", "arrivals.rate_per_second=1,-2", "--out", out);
    expect(outcome.stderr).toMatch(/^schedlab: --param arrivals\.rate_per_second=-2: arrivals\.rate_per_second: [^\n]+\n$/);
    expect(outcome.status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a value that renames a policy, before saying what it would run", async () => {
    const out = join(folder, "renamed");
    const outcome = await schedlabInProcess("sweep", tiny, "--param", "policies[0].name=x", "--policies", "fifo-retry-after", "--out", out);
    expectUserError(outcome, 'the point policies[0].name=x has no policy "fifo-retry-after"; sweep a policy\'s fields, not its name', out);
  });

  it("shows the size of a grid past --max-cases and runs nothing", async () => {
    const out = join(folder, "too-big");
    const outcome = await schedlabInProcess("sweep", tiny, "--param", "arrivals.rate_per_second=1,2,3", "--seeds", "4", "--max-cases", "30", "--out", out);
    expectUserError(outcome, "sweep: 3 points × 3 policies × 4 seeds = 36 runs, more than --max-cases 30; raise --max-cases or sweep fewer values", out);
  });

  it.each([
    [[], "sweep: give at least one --param PATH=v1,v2,... (see 'schedlab sweep --help')"],
    [["--param", "arrivals.rate_per_second"], "--param arrivals.rate_per_second: expected PATH=v1,v2,... (e.g. arrivals.rate_per_second=1,2,4)"],
    [["--param", "arrivals.rate_per_second=1", "--policies", "fifo"], `--policies: no policy "fifo" in TINY (have: fifo-retry-after, fifo-fixed-retry, fifo-no-global-cap)`],
    [["--param", "arrivals.rate_per_second=1", "--max-cases", "0"], '--max-cases: expected an integer ≥ 1, got "0"'],
  ])("refuses %j", async (args, message) => {
    const out = join(folder, "refused");
    expectUserError(await schedlabInProcess("sweep", tiny, ...args, "--out", out), message.replace("TINY", tiny), out);
  });

  it("--help says how to address a value", async () => {
    const outcome = await schedlabInProcess("sweep", "--help");
    expect(outcome.status).toBe(0);
    expect(outcome.stdout).toContain("providers[fast].max_concurrent=4,8,16,32");
    expect(outcome.stdout).toContain("--max-cases N");
  });
});
