// How a scenario names a queue kind (queue-kind.ts, registry.ts, queue-context.ts): the registered kinds, the
// options every kind shares (group_by and its default), strict options, weights by group value and their
// defaults, what a kind reports for fairness metrics, and a kind that is not registered.

import { describe, expect, it } from "vitest";
import type { Queueable } from "../../../src/policies/ready-queue.ts";
import { defineQueueKind } from "../../../src/policies/queues/queue-kind.ts";
import { weightOf } from "../../../src/policies/queues/queue-context.ts";
import { QUEUE_KINDS, createQueue, queueKind } from "../../../src/policies/queues/registry.ts";
import { FifoQueue } from "../../../src/policies/queues/fifo.ts";
import { ManualClock, contextFor } from "./harness.ts";

const kind = (name: string) => queueKind(name) ?? expect.unreachable(`no queue kind ${name}`);

describe("queue kinds", () => {
  it("registers the ten kinds, each found by its name; other names find none", () => {
    expect(QUEUE_KINDS.map((definition) => definition.kind)).toEqual(["fifo", "round_robin", "drr", "wfq", "vtc", "priority", "proportional", "bounded_borrow", "mlfq", "las"]);
    for (const definition of QUEUE_KINDS) expect(queueKind(definition.kind)).toBe(definition);
    expect(queueKind("lifo")).toBeUndefined();
  });

  it("each kind has a summary of one line, for --help and the docs", () => {
    for (const definition of QUEUE_KINDS) expect(definition.summary).toMatch(/^[a-z][^\n]{20,}$/);
  });

  it("creating a kind that is not registered is a bug, named in the message", () => {
    expect(() => createQueue({ kind: "lifo", groupBy: "tenant", options: {} }, contextFor(new ManualClock()))).toThrow("queue kind lifo is not registered");
  });

  it("group_by defaults to tenant and takes only the task fields a queue can group by", () => {
    expect(kind("wfq").schema.parse({ kind: "wfq" })).toMatchObject({ kind: "wfq", group_by: "tenant" });
    expect(kind("wfq").schema.parse({ kind: "wfq", group_by: "job" }).group_by).toBe("job");
    expect(kind("wfq").schema.safeParse({ kind: "wfq", group_by: "provider" }).success).toBe(false);
  });

  it("options are strict: an unknown option or another kind's name is refused", () => {
    expect(kind("fifo").schema.safeParse({ kind: "fifo", weights: {} }).success).toBe(false);
    expect(kind("fifo").schema.safeParse({ kind: "wfq" }).success).toBe(false);
  });

  it("weights by group value: default none; a group value must be named and its weight positive", () => {
    const schema = kind("wfq").schema;
    expect(schema.parse({ kind: "wfq" }).weights).toEqual({});
    expect(schema.parse({ kind: "wfq", weights: { a: 0.5 } }).weights).toEqual({ a: 0.5 });
    expect(schema.safeParse({ kind: "wfq", weights: { "": 1 } }).success).toBe(false);
    expect(schema.safeParse({ kind: "wfq", weights: { a: 0 } }).success).toBe(false);
  });

  it("reports the weights it applies: equal weights of 1 for a kind without any, the options' for one with them", () => {
    expect(kind("fifo").weights({ kind: "fifo", groupBy: "tenant", options: {} })).toEqual({ byGroup: {}, defaultWeight: 1 });
    // Options as written: create and weights fill in the defaults themselves.
    expect(kind("wfq").weights({ kind: "wfq", groupBy: "tenant", options: { weights: { a: 3 } } })).toEqual({ byGroup: { a: 3 }, defaultWeight: 1 });
    expect(kind("wfq").weights({ kind: "wfq", groupBy: "tenant", options: { default_weight: 2 } })).toEqual({ byGroup: {}, defaultWeight: 2 });
  });

  it("says which kinds divide a capacity: the share-based ones, no others", () => {
    const dividing = QUEUE_KINDS.filter((definition) => definition.needsCapacity).map((definition) => definition.kind);
    expect(dividing).toEqual(["proportional", "bounded_borrow"]);
    const plain = defineQueueKind({ kind: "plain", summary: "for this test", options: {}, create: <T extends Queueable>() => new FifoQueue<T>() });
    expect(plain.needsCapacity).toBe(false);
  });

  it("weightOf: a listed group's weight, else the default, also for names of Object.prototype's members", () => {
    const weights = { byGroup: { a: 3 }, defaultWeight: 2 };
    expect([weightOf(weights, "a"), weightOf(weights, "b"), weightOf(weights, "constructor"), weightOf(weights, "toString")]).toEqual([3, 2, 2, 2]);
  });
});
