// Trace replay through the command line and the simulator: a bad trace stops `run` before anything is
// written, with one line naming the file, the line and the column; --trace-in swaps the trace; a replay is
// deterministic and independent of the seed's arrival stream.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { schedlabInProcess } from "../cli/in-process.ts";
import { eventsOfType, minimalScenarioFile, repositoryScenario, runLogged, sha256 } from "../helpers.ts";

const folder = mkdtempSync(join(tmpdir(), "schedlab-replay-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let scenarios = 0;
/** A scenario file beside the trace, which it names relative to itself, with no synthetic arrivals. */
function traceScenario(traceFile: string): string {
  const file = minimalScenarioFile();
  delete file.arrivals;
  delete file.stop;
  scenarios += 1;
  const scenario = join(folder, `scenario-${scenarios}.json`);
  writeFileSync(scenario, JSON.stringify({ ...file, workload: { trace: { file: traceFile, preset: "azure_llm" } } }));
  return scenario;
}

describe("a bad trace through schedlab run", () => {
  it("exits 2 with one line naming file:line and column, and writes nothing", async () => {
    writeFileSync(join(folder, "bad.csv"), "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,10,1\n2023-11-16 18:15:47,ten,1\n");
    const scenario = traceScenario("bad.csv");
    const out = join(folder, "out");
    const events = join(folder, "events.jsonl");
    const outcome = await schedlabInProcess("run", scenario, "--out", out, "--events", events);
    expect(outcome.status).toBe(2);
    expect(outcome.stdout).toBe("");
    expect(outcome.stderr).toBe(`schedlab: ${scenario}: workload.trace: ${join(folder, "bad.csv")}:3: column "ContextTokens": not a whole number of tokens from 0 to 100000000 (got "ten")\n`);
    expect(existsSync(out) || existsSync(events)).toBe(false);
  });

  it("validate lists it too", async () => {
    const scenario = traceScenario("missing.csv");
    const outcome = await schedlabInProcess("validate", scenario);
    expect(outcome.status).toBe(2);
    expect(outcome.stdout + outcome.stderr).toContain(`workload.trace: ${join(folder, "missing.csv")}: cannot be read (ENOENT)`);
  });

  it("a trace-only scenario needs no stop and no arrivals; synthetic arrivals still need a stop", async () => {
    const file = minimalScenarioFile();
    delete file.stop;
    const scenario = join(folder, "no-stop.json");
    writeFileSync(scenario, JSON.stringify(file));
    const outcome = await schedlabInProcess("validate", scenario);
    expect(outcome.stdout + outcome.stderr).toContain("stop: required with arrivals");
  });
});

describe("--trace-in", () => {
  it("replays the file in place of a scenario's synthetic arrivals, its layout told by its header", async () => {
    const out = join(folder, "trace-in");
    const outcome = await schedlabInProcess("run", "scenarios/multi-tenant.json", "--trace-in", "scenarios/traces/mooncake-sample.jsonl", "--json", "--out", out);
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain("--trace-in scenarios/traces/mooncake-sample.jsonl");
    const summary = JSON.parse(outcome.stdout) as { policies: { metrics: { scope: string; metric: string; mean: number }[] }[] };
    expect(summary.policies[0]?.metrics.find((row) => row.metric === "jobs_arrived" && row.scope === "overall")?.mean).toBe(200);
  });

  it("refuses a file whose layout matches no preset", async () => {
    writeFileSync(join(folder, "odd.csv"), "when,in,out\n0,1,1\n");
    const outcome = await schedlabInProcess("run", "scenarios/multi-tenant.json", "--trace-in", join(folder, "odd.csv"), "--out", join(folder, "odd"));
    expect(outcome.status).toBe(2);
    expect(outcome.stderr).toMatch(/workload\.trace: --trace-in .*odd\.csv:1: matches no preset's layout/);
  });
});

describe("replay in the simulator", () => {
  it("is deterministic, and the same jobs arrive at the same times whatever the seed", () => {
    const scenario = repositoryScenario("burstgpt-trace");
    const first = runLogged(scenario, 1);
    expect(sha256(runLogged(scenario, 1).text)).toBe(sha256(first.text));
    const arrivals = (seed: number): string[] => eventsOfType(runLogged(scenario, seed).events, "job_arrived").map((event) => `${event.t} ${event.template} ${event.tenant}`);
    expect(arrivals(7)).toEqual(arrivals(1));
    expect(new Set(arrivals(1).map((line) => line.split(" ")[2])).size).toBe(2);
  });
});
