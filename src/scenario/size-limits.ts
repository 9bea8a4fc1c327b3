// A run too large to finish, refused before it starts: a lower bound on the events the scenario's jobs make
// (every job logs its arrival and end, every task four lease and state events, every request its start and
// end) against limits.max_events, so that `stop: { "jobs": 1e15 }` or 100,000 jobs of 1000 calls each is an
// error naming the count, not a run that grows until it is killed or out of memory.

import { taskGraph } from "../sim/workload.ts";
import { amount } from "./problems.ts";
import type { Problem } from "./problems.ts";
import type { JobTemplate, Scenario } from "./types.ts";

/** Events every job makes at the least: job_arrived and job_finished; per task, task_ready, lease_acquired, lease_released, task_finished; per request, request_started and request_finished. */
export function minimumEventsPerJob(template: JobTemplate): number {
  const tasks = taskGraph(template.shape).length;
  return 2 + 4 * tasks + 2 * tasks * template.callsPerTask;
}

/** `traceRows[i]`: the rows of scenario.traces[i] within its window (scan.ts). */
export function sizeProblems(scenario: Scenario, traceRows: readonly number[]): Problem[] {
  const fewest = (templates: readonly JobTemplate[]): number => Math.min(...templates.map(minimumEventsPerJob));
  const jobLimit = scenario.stop.jobs ?? Infinity;
  const parts: { path: string; jobs: number; eventsPerJob: number }[] = [];
  const arrivals = scenario.arrivals;
  if (arrivals !== undefined) {
    const drawn = scenario.templates.filter((template) => arrivals.templates === undefined || arrivals.templates.includes(template.name));
    const byDuration = scenario.stop.durationMs === undefined ? Infinity : (arrivals.ratePerSecond * scenario.stop.durationMs) / 1000;
    const path = byDuration < jobLimit ? "stop.duration_ms" : "stop.jobs";
    parts.push({ path, jobs: Math.min(jobLimit, byDuration), eventsPerJob: fewest(drawn) });
  }
  scenario.traces.forEach((trace, index) => {
    const templates = trace.columns.template === undefined ? scenario.templates.filter((template) => template.name === trace.template) : scenario.templates;
    parts.push({ path: trace.path, jobs: Math.min(jobLimit, traceRows[index] ?? 0), eventsPerJob: fewest(templates) });
  });
  // All sources together stop at stop.jobs: the cheapest jobs first is the lower bound.
  parts.sort((first, second) => first.eventsPerJob - second.eventsPerJob);
  let jobsLeft = jobLimit;
  let events = 0;
  for (const part of parts) {
    const jobs = Math.min(part.jobs, jobsLeft);
    jobsLeft -= jobs;
    events += jobs * part.eventsPerJob;
    if (events > scenario.limits.maxEvents) {
      const largest = parts.reduce((chosen, candidate) => (candidate.jobs * candidate.eventsPerJob > chosen.jobs * chosen.eventsPerJob ? candidate : chosen));
      return [
        {
          path: largest.path,
          message: `makes about ${amount(largest.jobs)} jobs of at least ${amount(largest.eventsPerJob)} events each (${amount(events)} events or more in all), over limits.max_events = ${amount(scenario.limits.maxEvents)}: the run could not finish; make fewer jobs or requests, or raise limits.max_events`,
        },
      ];
    }
  }
  return [];
}
