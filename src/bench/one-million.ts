// Runs scenarios/bench-1m.json once, with no event log, and prints wall time, jobs/s and peak RSS as JSON.
// `schedlab bench` starts it in a fresh process (with its own execArgv, so it works from src/ under tsx
// and from dist/ alike), so the memory figure is this run's alone.

import { runOnce } from "../experiment/run.ts";
import { loadScenario } from "../scenario/load.ts";
import { BENCH_SCENARIO_FILE } from "./core-suites.ts";

const scenario = loadScenario(BENCH_SCENARIO_FILE);
const policy = scenario.policies[0];
if (policy === undefined) throw new Error("bench-1m.json has no policy");
const startedMs = performance.now();
const summary = runOnce({ scenario, policy, seed: scenario.seed });
const wallMs = performance.now() - startedMs;
process.stdout.write(
  `${JSON.stringify({
    jobs: summary.jobs.completed,
    wall_ms: wallMs,
    jobs_per_s: (summary.jobs.completed * 1000) / wallMs,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
