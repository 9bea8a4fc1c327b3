// The event log's shape: a public contract (../shared/docs/DESIGN.md, "Event log"). Each line of a JSONL log
// is `{ seq, t, type, ...fields }`. Extra fields and extra types are allowed. The scheduler's events are
// declared with it (src/policies/scheduler-events.ts); the simulated world's are here.

import type { SchedulerEvent } from "../policies/scheduler-events.ts";
import type { CircuitState, WaitReason } from "../policies/rate-control/request.ts";
import type { RequestStatus } from "../sim/provider.ts";

export type { JobStatus, SchedulerEvent, TaskStatus } from "../policies/scheduler-events.ts";

export interface ProviderPrice {
  readonly input_per_1k: number;
  readonly output_per_1k: number;
}

/** How a run's ready queue groups and weighs tasks, as logged in `run_started.queue`. */
export interface QueueDescription {
  readonly kind: string;
  /** tenant, lane, mode, project, template or job. */
  readonly group_by: string;
  /** Weight per group value; groups not listed weigh `default_weight`. */
  readonly weights: Readonly<Record<string, number>>;
  readonly default_weight: number;
}

/** A provider's `x-ratelimit-*` headers, measured when it admitted or refused the request. */
export interface RateLimitFields {
  readonly limit_requests?: number;
  readonly remaining_requests?: number;
  readonly reset_requests_ms?: number;
  readonly limit_tokens?: number;
  readonly remaining_tokens?: number;
  readonly reset_tokens_ms?: number;
}

export type WorldEvent =
  | {
      readonly type: "run_started";
      readonly scenario: string;
      readonly policy: string;
      readonly seed: number;
      readonly capacities: Readonly<Record<string, number>>;
      readonly admission: string;
      readonly prices: Readonly<Record<string, ProviderPrice>>;
      /** The ready queue, when it is not plain FIFO: its kind, how it groups tasks, and the groups' weights. */
      readonly queue?: QueueDescription;
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
  | { readonly type: "worker_spawned"; readonly task: number; readonly worker: number }
  | { readonly type: "spawn_failed"; readonly task: number; readonly worker: number }
  | { readonly type: "worker_stalled"; readonly task: number; readonly worker: number }
  | { readonly type: "worker_crashed"; readonly task: number; readonly worker: number }
  | { readonly type: "worker_stopped"; readonly task: number; readonly worker: number }
  | {
      readonly type: "request_started";
      readonly task: number;
      readonly provider: string;
      readonly request: number;
      readonly attempt: number;
      /** Charged up front: input + max output. */
      readonly tokens: number;
      readonly input_tokens: number;
    }
  | {
      readonly type: "request_finished";
      readonly task: number;
      readonly provider: string;
      readonly request: number;
      readonly status: RequestStatus;
      readonly retry_after_ms?: number;
      readonly output_tokens: number;
      /** The provider's rate-limit headers, when it has limits and answered (not down). */
      readonly rate_limit?: RateLimitFields;
    }
  /** The request controller holds a worker's next request back (logged when a wait starts or its reason changes). */
  | {
      readonly type: "request_delayed";
      readonly task: number;
      readonly provider: string;
      readonly reason: WaitReason;
      readonly attempt: number;
      /** For a wait on time (pacing, a block, an open circuit); absent when it waits for a request to finish. */
      readonly until_ms?: number;
    }
  /** An open circuit breaker failed the request without sending it: the task fails (its failure strategy decides). */
  | { readonly type: "request_refused"; readonly task: number; readonly provider: string; readonly reason: "circuit_open"; readonly attempt: number }
  /** The retry budget refused a retry: the task fails. */
  | { readonly type: "retry_denied"; readonly task: number; readonly provider: string; readonly reason: "retry_budget"; readonly attempt: number }
  /** A controller (AIMD) changed what may be held of a resource from now on. */
  | { readonly type: "limit_changed"; readonly resource: string; readonly limit: number; readonly reason: "aimd_decrease" | "aimd_increase" }
  | {
      readonly type: "circuit_state_changed";
      readonly provider: string;
      readonly state: CircuitState;
      readonly reason: string;
      /** Half-open: how many probe requests it lets through. */
      readonly probes?: number;
    }
  /** A request in flight when its worker was stopped: it never finishes. */
  | { readonly type: "request_aborted"; readonly task: number; readonly provider: string; readonly request: number }
  | { readonly type: "budget_exceeded"; readonly task: number; readonly tokens: number; readonly budget: number; readonly enforced: boolean }
  | { readonly type: "job_cancel_requested"; readonly job: number }
  | { readonly type: "run_finished"; readonly makespan_ms: number; readonly events: number };

/** An agent session's context as its manager keeps it (src/sim/sessions.ts; docs/event-log.md, "Sessions"). */
export type SessionEvent =
  | { readonly type: "session_started"; readonly session: number; readonly turns: number; readonly window_tokens: number; readonly context: string }
  /** A compaction the turn (or a recall) caused: what it read and wrote, and what became of the facts. */
  | {
      readonly type: "context_compacted";
      readonly session: number;
      readonly turn: number;
      readonly turns_compacted: number;
      readonly tokens_read: number;
      readonly tokens_written: number;
      readonly facts_kept: number;
      readonly facts_lost: number;
      readonly segments_hibernated: number;
    }
  /** A probe's fact was not in the context and the manager looked it up in its store. */
  | { readonly type: "context_recalled"; readonly session: number; readonly turn: number; readonly fact: string; readonly found: boolean; readonly tokens: number; readonly latency_ms: number }
  /** A turn needed a fact stated earlier: `retained` when the assembled context holds it (after any recall). */
  | {
      readonly type: "fact_probed";
      readonly session: number;
      readonly turn: number;
      readonly fact: string;
      readonly importance: number;
      readonly pinned: boolean;
      readonly stated_turn: number;
      readonly retained: boolean;
    }
  /** The context the turn's model call sees, and the manager's cold store at that point. */
  | { readonly type: "context_assembled"; readonly session: number; readonly turn: number; readonly tokens: number; readonly store_segments: number; readonly store_tokens: number }
  | { readonly type: "session_finished"; readonly session: number; readonly turns: number };

export const SESSION_EVENT_TYPES: ReadonlySet<string> = new Set<SessionEvent["type"]>([
  "session_started",
  "context_compacted",
  "context_recalled",
  "fact_probed",
  "context_assembled",
  "session_finished",
]);

export function isSessionEvent(event: LogEvent): event is SessionEvent {
  return SESSION_EVENT_TYPES.has(event.type);
}

export type LogEvent = SchedulerEvent | WorldEvent | SessionEvent;

/** A line of a log: the event with its sequence number and virtual time in ms. */
export type LoggedEvent = LogEvent & { readonly seq: number; readonly t: number };

/** Anything that consumes events as a run produces them (a file writer, a metrics collector). */
export interface EventSink {
  record(seq: number, timeMs: number, event: LogEvent): void;
}
