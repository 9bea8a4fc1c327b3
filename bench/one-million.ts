// Runs scenarios/bench-1m.json once, with no event log, and prints wall time, jobs/s and peak RSS as JSON.
// bench/run.ts starts it in its own process so the memory figure is this run's alone.

import { runOnce } from "../src/experiment/run.ts";
import { loadScenario } from "../src/scenario/load.ts";

const scenario = loadScenario(new URL("../scenarios/bench-1m.json", import.meta.url).pathname);
const policy = scenario.policies[0];
if (policy === undefined) throw new Error("bench-1m.json has no policy");
const startedMs = performance.now();
const summary = runOnce({ scenario, policy, seed: scenario.seed });
const wallMs = performance.now() - startedMs;
process.stdout.write(
  `${JSON.stringify({
    jobs: summary.jobs.completed,
    events: summary.events,
    wall_ms: wallMs,
    jobs_per_s: (summary.jobs.completed * 1000) / wallMs,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
