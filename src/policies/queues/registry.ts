// Every ready-queue kind a scenario can name. Adding a kind: write its file (the queue and its
// `defineQueueKind` definition) and add it here; the scenario schema, the CLI and the docs table read this list.

import { assertionFailed } from "../assert.ts";
import type { Queueable, ReadyQueue } from "../ready-queue.ts";
import { fifoKind } from "./fifo.ts";
import type { QueueBuildContext, QueueKind, QueueSpec } from "./queue-kind.ts";
import { boundedBorrowKind } from "./bounded-borrow.ts";
import { drrKind } from "./drr.ts";
import { lasKind } from "./las.ts";
import { mlfqKind } from "./mlfq.ts";
import { priorityKind } from "./priority.ts";
import { proportionalKind } from "./proportional.ts";
import { roundRobinKind } from "./round-robin.ts";
import { vtcKind } from "./vtc.ts";
import { wfqKind } from "./wfq.ts";

export const QUEUE_KINDS: readonly QueueKind[] = [fifoKind, roundRobinKind, drrKind, wfqKind, vtcKind, priorityKind, proportionalKind, boundedBorrowKind, mlfqKind, lasKind];

export function queueKind(kind: string): QueueKind | undefined {
  return QUEUE_KINDS.find((candidate) => candidate.kind === kind);
}

export function createQueue<T extends Queueable>(spec: QueueSpec, context: QueueBuildContext<T>): ReadyQueue<T> {
  const definition = queueKind(spec.kind) ?? assertionFailed(`queue kind ${spec.kind} is not registered`);
  return definition.create(spec, context);
}
