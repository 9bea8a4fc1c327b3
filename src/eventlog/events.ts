// The event log's shape: a public contract (../shared/docs/DESIGN.md, "Event log"). Each line of a JSONL log
// is `{ seq, t, type, ...fields }`. Extra fields and extra types are allowed; these are what schedlab writes.

import type { ReleaseReason, ReleaseResult } from "../policies/lease-ledger.ts";
import type { RequestStatus } from "../sim/provider.ts";

export type TaskStatus = "completed" | "failed" | "canceled" | "skipped";
export type JobStatus = "completed" | "failed" | "canceled";

export type LogEvent =
  | {
      readonly type: "run_started";
      readonly scenario: string;
      readonly policy: string;
      readonly seed: number;
      readonly capacities: Readonly<Record<string, number>>;
    }
  | {
      readonly type: "job_arrived";
      readonly job: number;
      readonly lane: string;
      readonly tenant: string;
      readonly mode: string;
      readonly template: string;
      readonly tasks: number;
    }
  | { readonly type: "task_ready"; readonly task: number; readonly job: number; readonly role: string }
  | {
      readonly type: "lease_acquired";
      readonly lease: number;
      readonly task: number;
      readonly resources: Readonly<Record<string, number>>;
    }
  | { readonly type: "worker_spawned"; readonly task: number; readonly worker: number }
  | { readonly type: "worker_wait_started"; readonly task: number; readonly worker: number; readonly resource: string }
  | { readonly type: "worker_wait_ended"; readonly task: number; readonly worker: number; readonly resource: string }
  | {
      readonly type: "request_started";
      readonly task: number;
      readonly provider: string;
      readonly request: number;
      readonly attempt: number;
      readonly tokens: number;
    }
  | {
      readonly type: "request_finished";
      readonly task: number;
      readonly provider: string;
      readonly request: number;
      readonly status: RequestStatus;
      readonly retry_after_ms?: number;
      readonly output_tokens: number;
    }
  | {
      readonly type: "lease_released";
      readonly lease: number;
      readonly task: number;
      readonly reason: ReleaseReason;
      readonly result: ReleaseResult;
    }
  | { readonly type: "task_finished"; readonly task: number; readonly job: number; readonly status: TaskStatus }
  | { readonly type: "job_finished"; readonly job: number; readonly status: JobStatus }
  | { readonly type: "run_finished"; readonly makespan_ms: number; readonly events: number };

export type LogEventType = LogEvent["type"];

/** A line of a log: the event with its sequence number and virtual time in ms. */
export type LoggedEvent = LogEvent & { readonly seq: number; readonly t: number };

/** Anything that consumes events as a run produces them (a file writer, a metrics collector). */
export interface EventSink {
  record(seq: number, timeMs: number, event: LogEvent): void;
}
