// Hand-built event logs for the fairness tests: just the events the fairness figures read, in log order, with
// seq numbered as they are added. Times must not go back.

import type { LogEvent, LoggedEvent, QueueDescription } from "../../src/eventlog/events.ts";

export class FairnessLog {
  readonly events: LoggedEvent[] = [];
  private lastMs = 0;
  private nextLease = 1;
  private readonly leaseOfTask = new Map<number, number>();
  private readonly jobOfTask = new Map<number, number>();

  constructor(queue?: QueueDescription) {
    this.add(0, {
      type: "run_started",
      scenario: "hand-built",
      policy: "hand-built",
      seed: 0,
      capacities: {},
      admission: "lease",
      prices: {},
      ...(queue === undefined ? {} : { queue }),
    });
  }

  job(timeMs: number, job: number, tenant: string, lane = "batch"): this {
    return this.add(timeMs, { type: "job_arrived", job, lane, tenant, mode: "time", template: "t", tasks: 1 });
  }

  ready(timeMs: number, task: number, job: number): this {
    this.jobOfTask.set(task, job);
    return this.add(timeMs, { type: "task_ready", task, job, role: "call" });
  }

  lease(timeMs: number, task: number): this {
    const lease = this.nextLease;
    this.nextLease += 1;
    this.leaseOfTask.set(task, lease);
    return this.add(timeMs, { type: "lease_acquired", lease, task, resources: {} });
  }

  /** request_started; the request id is the caller's. */
  start(timeMs: number, task: number, request: number, inputTokens: number): this {
    return this.add(timeMs, { type: "request_started", task, provider: "p", request, attempt: 1, tokens: inputTokens, input_tokens: inputTokens });
  }

  finish(timeMs: number, task: number, request: number, outputTokens: number, status: "ok" | "rate_limited" | "error" | "timeout" = "ok"): this {
    return this.add(timeMs, { type: "request_finished", task, provider: "p", request, status, output_tokens: outputTokens });
  }

  /** The task ends: its lease (if any) is released, then task_finished. */
  done(timeMs: number, task: number, status: "completed" | "failed" | "canceled" = "completed"): this {
    const lease = this.leaseOfTask.get(task);
    if (lease !== undefined) this.add(timeMs, { type: "lease_released", lease, task, reason: status === "completed" ? "success" : "cancel", result: "released" });
    this.leaseOfTask.delete(task);
    return this.add(timeMs, { type: "task_finished", task, job: this.jobOfTask.get(task) ?? task, status });
  }

  end(timeMs: number): LoggedEvent[] {
    this.add(timeMs, { type: "run_finished", makespan_ms: timeMs, events: this.events.length + 1 });
    return this.events;
  }

  private add(timeMs: number, event: LogEvent): this {
    if (timeMs < this.lastMs) throw new Error(`hand-built log goes back in time: ${timeMs} after ${this.lastMs}`);
    this.lastMs = timeMs;
    this.events.push({ ...event, seq: this.events.length, t: timeMs } as LoggedEvent);
    return this;
  }
}
