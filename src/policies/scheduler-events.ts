// What the DAG scheduler reports as it works: the scheduler's share of the event log
// (../shared/docs/DESIGN.md, "Event log"). The orchestrator stamps each event with seq and time.

import type { ReleaseReason, ReleaseResult } from "./lease-ledger.ts";

export type TaskStatus = "completed" | "failed" | "canceled" | "skipped";
export type JobStatus = "completed" | "failed" | "canceled";

export type SchedulerEvent =
  | { readonly type: "task_ready"; readonly task: number; readonly job: number; readonly role: string }
  | { readonly type: "lease_acquired"; readonly lease: number; readonly task: number; readonly resources: Readonly<Record<string, number>> }
  | { readonly type: "lease_released"; readonly lease: number; readonly task: number; readonly reason: ReleaseReason; readonly result: ReleaseResult }
  | { readonly type: "worker_wait_started"; readonly task: number; readonly worker: number; readonly resource: string }
  | { readonly type: "worker_wait_ended"; readonly task: number; readonly worker: number; readonly resource: string }
  | { readonly type: "spawn_refused"; readonly task: number; readonly job: number; readonly resource: string }
  | { readonly type: "backoff_started"; readonly delay_ms: number; readonly refused_batches: number }
  | { readonly type: "backoff_ended" }
  | { readonly type: "worker_stop_requested"; readonly task: number; readonly reason: ReleaseReason }
  | { readonly type: "task_retry_scheduled"; readonly task: number; readonly job: number; readonly retry: number; readonly delay_ms: number }
  | { readonly type: "task_finished"; readonly task: number; readonly job: number; readonly status: TaskStatus }
  /** A running task gave its lease back between two requests (preemption at a safe point) and queues again. */
  | { readonly type: "task_yielded"; readonly task: number; readonly job: number }
  | { readonly type: "job_paused"; readonly job: number; readonly task: number }
  | { readonly type: "job_resumed"; readonly job: number }
  | { readonly type: "job_finished"; readonly job: number; readonly status: JobStatus }
  | { readonly type: "deadlock_detected"; readonly jobs: readonly number[]; readonly tasks: readonly number[]; readonly reason: string }
  | { readonly type: "shutdown_started"; readonly mode: "cancel" | "drain" };
