// Runs scenarios/bench-1m.json once, with no event log, and prints wall time, CPU time, simulated jobs per
// CPU second and peak RSS as JSON.
// `schedlab bench` starts it in a fresh process (with its own execArgv, so it works from src/ under tsx
// and from dist/ alike), so the memory figure is this run's alone.

import { runOnce } from "../experiment/run.ts";
import { loadScenario } from "../scenario/load.ts";
import { BENCH_SCENARIO_FILE } from "./core-suites.ts";
import { cpuTimeMs } from "./sampler.ts";

const scenario = loadScenario(BENCH_SCENARIO_FILE);
const policy = scenario.policies[0];
if (policy === undefined) throw new Error("bench-1m.json has no policy");
const startedMs = performance.now();
const startedCpuMs = cpuTimeMs();
const summary = runOnce({ scenario, policy, seed: scenario.seed });
const cpuMs = cpuTimeMs() - startedCpuMs;
const wallMs = performance.now() - startedMs;
process.stdout.write(
  `${JSON.stringify({
    jobs: summary.jobs.completed,
    wall_ms: wallMs,
    cpu_ms: cpuMs,
    jobs_per_cpu_s: (summary.jobs.completed * 1000) / cpuMs,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
