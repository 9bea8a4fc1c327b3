// Each sample trace under scenarios/traces/ replays through `schedlab run`: the jobs and token totals of the
// summary match what this test counts from the file itself, with plain string splitting (the samples have no
// quoted fields) and JSON.parse, so none of the replay's own reading is reused.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { schedlabInProcess } from "../cli/in-process.ts";

interface Totals {
  readonly jobs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

function csvTotals(file: string, inputColumn: string, outputColumn: string): Totals {
  const [header, ...rows] = readFileSync(file, "utf8").trim().split("\n");
  const names = (header ?? "").split(",");
  const input = names.indexOf(inputColumn);
  const output = names.indexOf(outputColumn);
  let inputTokens = 0;
  let outputTokens = 0;
  for (const row of rows) {
    const fields = row.split(",");
    inputTokens += Number(fields[input]);
    outputTokens += Number(fields[output]);
  }
  return { jobs: rows.length, inputTokens, outputTokens };
}

function jsonlTotals(file: string): Totals {
  const rows = readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { input_length: number; output_length: number });
  return { jobs: rows.length, inputTokens: rows.reduce((sum, row) => sum + row.input_length, 0), outputTokens: rows.reduce((sum, row) => sum + row.output_length, 0) };
}

/** Requests per job of the scenario's one shape: every request of a trace job carries the row's tokens. */
function requestsPerJob(scenarioFile: string): number {
  const scenario = JSON.parse(readFileSync(scenarioFile, "utf8")) as { templates: { shape?: { kind: string; length?: number; width?: number }; calls_per_task?: number }[] };
  const counts = scenario.templates.map((template) => {
    const shape = template.shape ?? { kind: "single" };
    const tasks = shape.kind === "chain" ? (shape.length as number) : shape.kind === "fanout" ? (shape.width as number) + 2 : 1;
    return tasks * (template.calls_per_task ?? 1);
  });
  expect(new Set(counts).size).toBe(1);
  return counts[0] as number;
}

const SAMPLES: [string, () => Totals][] = [
  ["azure-llm-trace", () => csvTotals("scenarios/traces/azure-llm-sample.csv", "ContextTokens", "GeneratedTokens")],
  ["burstgpt-trace", () => csvTotals("scenarios/traces/burstgpt-sample.csv", "Request tokens", "Response tokens")],
  ["mooncake-trace", () => jsonlTotals("scenarios/traces/mooncake-sample.jsonl")],
];

const out = mkdtempSync(join(tmpdir(), "schedlab-samples-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("sample traces replay with the file's jobs and tokens", () => {
  it.each(SAMPLES)("%s", async (name, totalsOfFile) => {
    const scenarioFile = join("scenarios", `${name}.json`);
    const outcome = await schedlabInProcess("run", scenarioFile, "--json", "--out", join(out, name));
    expect(outcome.status, outcome.stderr).toBe(0);
    const summary = JSON.parse(outcome.stdout) as { policies: { metrics: { scope: string; metric: string; mean: number }[] }[] };
    const metric = (wanted: string): number | undefined => summary.policies[0]?.metrics.find((row) => row.scope === "overall" && row.metric === wanted)?.mean;
    const expected = totalsOfFile();
    const perJob = requestsPerJob(scenarioFile);
    expect(expected.jobs).toBeGreaterThan(100);
    expect(metric("jobs_arrived")).toBe(expected.jobs);
    expect(metric("jobs_completed")).toBe(expected.jobs);
    expect(metric("input_tokens_ok")).toBe(expected.inputTokens * perJob);
    expect(metric("output_tokens_ok")).toBe(expected.outputTokens * perJob);
  });
});
