// Checks an event log against the lease contract, knowing nothing of the policy that produced it: held
// capacity recomputed from lease_acquired/lease_released never exceeds a limit, every lease is released
// exactly once, nothing is held at the end, every arrived job and ready task reaches a terminal status, and a
// job is reported completed only if every one of its tasks completed (or was skipped).

import type { LoggedEvent } from "../src/eventlog/events.ts";

export function leaseViolations(events: readonly LoggedEvent[]): string[] {
  const problems: string[] = [];
  let capacities: Readonly<Record<string, number>> = {};
  const held = new Map<string, number>();
  const open = new Map<number, Readonly<Record<string, number>>>();
  const releasedOnce = new Set<number>();
  const jobsOpen = new Set<number>();
  const tasksOpen = new Set<number>();
  const jobsWithUnsuccessfulTask = new Set<number>();
  for (const event of events) {
    switch (event.type) {
      case "run_started":
        capacities = event.capacities;
        break;
      case "job_arrived":
        jobsOpen.add(event.job);
        break;
      case "job_finished":
        if (!jobsOpen.delete(event.job)) problems.push(`seq ${event.seq}: job ${event.job} finished twice or never arrived`);
        if (event.status === "completed" && jobsWithUnsuccessfulTask.has(event.job)) {
          problems.push(`seq ${event.seq}: job ${event.job} reported completed but one of its tasks did not complete`);
        }
        break;
      case "task_ready":
        tasksOpen.add(event.task);
        break;
      case "task_finished":
        tasksOpen.delete(event.task);
        // Under the skip strategy a job completes with skipped tasks; anything else unsuccessful fails it.
        if (event.status !== "completed" && event.status !== "skipped") jobsWithUnsuccessfulTask.add(event.job);
        break;
      case "lease_acquired":
        if (open.has(event.lease) || releasedOnce.has(event.lease)) problems.push(`seq ${event.seq}: lease ${event.lease} acquired twice`);
        open.set(event.lease, event.resources);
        for (const [resource, amount] of Object.entries(event.resources)) {
          const now = (held.get(resource) ?? 0) + amount;
          held.set(resource, now);
          const limit = capacities[resource];
          if (limit === undefined) problems.push(`seq ${event.seq}: resource ${resource} has no declared capacity`);
          else if (now > limit) problems.push(`seq ${event.seq}: ${resource} held ${now} > limit ${limit}`);
        }
        break;
      case "lease_released": {
        if (event.result !== "released") break;
        const resources = open.get(event.lease);
        if (resources === undefined) {
          problems.push(`seq ${event.seq}: lease ${event.lease} released ${releasedOnce.has(event.lease) ? "twice" : "but never acquired"}`);
          break;
        }
        open.delete(event.lease);
        releasedOnce.add(event.lease);
        for (const [resource, amount] of Object.entries(resources)) held.set(resource, (held.get(resource) ?? 0) - amount);
        break;
      }
      default:
        break;
    }
  }
  for (const lease of open.keys()) problems.push(`lease ${lease} was never released`);
  for (const [resource, amount] of held) if (amount !== 0) problems.push(`${resource} still held ${amount} at the end`);
  if (jobsOpen.size > 0) problems.push(`${jobsOpen.size} jobs never finished`);
  if (tasksOpen.size > 0) problems.push(`${tasksOpen.size} ready tasks never finished`);
  return problems;
}
