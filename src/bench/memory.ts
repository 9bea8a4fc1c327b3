// One memory measurement in a fresh process, printed as JSON: `trace LINES` replays a generated trace of
// LINES rows (written to a temporary folder, removed after); `overload JOBS` runs the overload case of
// issue 11 (JOBS jobs of 1000 calls at 7.2 jobs/s on 8 slots), or reports that the loader refuses it.
// `schedlab bench --only memory` (memory-suite.ts) starts it, so that each peak RSS is that run's alone.

import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runOnce } from "../experiment/run.ts";
import { ScenarioError, parseScenario } from "../scenario/load.ts";

export interface MemoryResult {
  readonly jobs: number;
  readonly peak_rss_mb: number;
  /** The loader's message when it refused the scenario up front (no run, no peak worth reading). */
  readonly refused?: string;
}

const provider = (slots: number): unknown => ({
  name: "p",
  max_concurrent: slots,
  latency: { time_to_first_token_ms: { kind: "exponential", mean: 50 }, decode_tokens_per_second: 1000 },
});

/** A trace of `lines` rows, 20 a second (a load the provider's 16 slots serve), token counts cycling. */
function traceScenarioText(folder: string, lines: number): string {
  const file = join(folder, "trace.csv");
  const descriptor = openSync(file, "w");
  writeSync(descriptor, "t,in,out\n");
  const rowsPerWrite = 10_000;
  for (let first = 0; first < lines; first += rowsPerWrite) {
    let chunk = "";
    for (let row = first; row < Math.min(lines, first + rowsPerWrite); row += 1) chunk += `${row * 50},${100 + (row % 400)},${10 + (row % 40)}\n`;
    writeSync(descriptor, chunk);
  }
  closeSync(descriptor);
  return JSON.stringify({
    name: "memory-trace",
    workload: { trace: { file: "trace.csv", columns: { timestamp: "t", input_tokens: "in", output_tokens: "out" }, timestamp_unit: "ms" } },
    providers: [provider(16)],
    templates: [{ name: "row", provider: "p", input_tokens: 300, output_tokens: 30, max_output_tokens: 64 }],
    policies: [{ name: "fifo", global_max_concurrent: 16 }],
  });
}

function overloadScenarioText(jobs: number): string {
  return JSON.stringify({
    name: "memory-overload",
    stop: { jobs },
    arrivals: { process: "poisson", rate_per_second: 7.2 },
    providers: [provider(8)],
    templates: [{ name: "agent", provider: "p", calls_per_task: 1000, input_tokens: { kind: "uniform", min: 100, max: 300 }, output_tokens: 50, max_output_tokens: 100 }],
    policies: [{ name: "fifo", global_max_concurrent: 8 }],
  });
}

function measure(kind: string, count: number): MemoryResult {
  const folder = mkdtempSync(join(tmpdir(), "schedlab-memory-"));
  try {
    const text = kind === "trace" ? traceScenarioText(folder, count) : overloadScenarioText(count);
    let scenario;
    try {
      scenario = parseScenario(text, join(folder, "scenario.json"));
    } catch (error) {
      if (error instanceof ScenarioError) return { jobs: 0, peak_rss_mb: process.resourceUsage().maxRSS / 1024, refused: error.message };
      throw error;
    }
    const policy = scenario.policies[0];
    if (policy === undefined) throw new Error("the memory scenario has no policy");
    const summary = runOnce({ scenario, policy, seed: 1 });
    return { jobs: summary.jobs.completed, peak_rss_mb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const [kind, count] = process.argv.slice(2);
if ((kind !== "trace" && kind !== "overload") || !Number.isInteger(Number(count))) throw new Error("usage: memory.ts trace|overload COUNT");
process.stdout.write(`${JSON.stringify(measure(kind, Number(count)))}\n`);
