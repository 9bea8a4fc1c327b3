// AsyncAdmission edges a mutation run found unpinned: what a fair queue reads of a waiter (and its defaults),
// the job numbers of calls without a job, the feedback the queue gets, and the messages a caller reads.

import { describe, expect, it } from "vitest";
import { AdmissionClosedError, type AdmissionWaiter, AsyncAdmission } from "../../src/policies/async-admission.ts";
import type { Clock } from "../../src/policies/clock.ts";
import { type Lease, LeaseLedger } from "../../src/policies/lease-ledger.ts";
import { FifoQueue } from "../../src/policies/queues/fifo.ts";
import { ProportionalQueue } from "../../src/policies/queues/proportional.ts";
import type { ServiceUsage } from "../../src/policies/ready-queue.ts";

const clock: Clock = { now: () => 5 };

/** A FIFO that writes down every waiter it is given and every piece of feedback. */
class ListeningQueue extends FifoQueue<AdmissionWaiter> {
  readonly seen: AdmissionWaiter[] = [];
  readonly heard: string[] = [];
  override enqueue(waiter: AdmissionWaiter): void {
    this.seen.push(waiter);
    super.enqueue(waiter);
  }
  charge(waiter: AdmissionWaiter, usage: ServiceUsage): void {
    this.heard.push(`charge ${waiter.id} ${usage.inputTokens}/${usage.outputTokens}`);
  }
  released(waiter: AdmissionWaiter): void {
    this.heard.push(`released ${waiter.id}`);
  }
}

function setup(limits: Record<string, number> = { slot: 1 }) {
  const queue = new ListeningQueue();
  const ledger = new LeaseLedger(limits, clock);
  return { queue, ledger, admission: new AsyncAdmission(ledger, queue) };
}

describe("AsyncAdmission: what a queue reads of a waiter", () => {
  it("reads the acquire options through waiterContext, with their defaults when not given", async () => {
    const { queue, admission } = setup({ slot: 3 });
    const context = AsyncAdmission.waiterContext(clock);
    await admission.acquire({ slot: 1 });
    await admission.acquire({ slot: 1 });
    await admission.acquire({ slot: 1 }, { task: 4, group: "tenant-a", job: 12, lane: "interactive", costTokens: 300 });
    const [plain, next, given] = queue.seen as [AdmissionWaiter, AdmissionWaiter, AdmissionWaiter];
    expect([context.group(given), context.job(given), context.lane(given), context.costTokens(given), context.inputTokens(given)]).toEqual(["tenant-a", 12, "interactive", 300, 300]);
    expect(given.id).toBe(4);
    // No options: task 0, group "", lane "batch", cost 1, and a job of its own, numbered −1, −2, … per call.
    expect([plain.id, context.group(plain), context.lane(plain), context.costTokens(plain)]).toEqual([0, "", "batch", 1]);
    expect([context.job(plain), context.job(next)]).toEqual([-1, -2]);
    expect(context.clock).toBe(clock);
  });

  it("withLimits builds its own ledger with those limits", async () => {
    const admission = AsyncAdmission.withLimits({ slot: 2 }, clock);
    expect(admission.ledger.capacities()).toEqual({ slot: 2 });
    const lease = await admission.acquire({ slot: 2 });
    expect(lease.acquiredAtMs).toBe(5);
    expect(admission.release(lease, "success")).toBe("released");
  });
});

describe("AsyncAdmission: what it tells its queue", () => {
  it("forwards service for a granted lease only, and each release once", async () => {
    const { queue, admission } = setup();
    const lease = await admission.acquire({ slot: 1 }, { task: 1 });
    admission.charge(lease, { inputTokens: 10, outputTokens: 20, providerMs: 30 });
    expect(admission.release(lease, "success")).toBe("released");
    expect(admission.release(lease, "success")).toBe("duplicate");
    admission.charge(lease, { inputTokens: 1, outputTokens: 1, providerMs: 1 });
    expect(queue.heard).toEqual(["charge 1 10/20", "released 1"]);
  });

  it("a duplicate release admits nobody new and returns its result", async () => {
    const { ledger, admission } = setup();
    const first = await admission.acquire({ slot: 1 }, { task: 1 });
    admission.release(first, "success");
    const second = await admission.acquire({ slot: 1 }, { task: 2 });
    let thirdGranted = false;
    void admission.acquire({ slot: 1 }, { task: 3 }).then(() => (thirdGranted = true));
    expect(admission.release(first, "success")).toBe("duplicate");
    await Promise.resolve();
    expect(thirdGranted).toBe(false);
    expect(admission.waiting).toBe(1);
    expect(ledger.heldAmount("slot")).toBe(1);
    admission.release(second, "success");
    await Promise.resolve();
    expect(thirdGranted).toBe(true);
  });

  it("a lease of another ledger with a granted lease's id is unknown: the queue hears nothing until the real one returns", async () => {
    const { queue, admission } = setup();
    const granted = await admission.acquire({ slot: 1 }, { task: 1 });
    const other = new LeaseLedger({ slot: 1 }, clock);
    const foreign = other.tryAcquire(other.demand({ slot: 1 }), 9) as Lease;
    expect(foreign.id).toBe(granted.id);
    expect(admission.release(foreign, "success")).toBe("unknown");
    expect(queue.heard).toEqual([]);
    expect(admission.release(granted, "success")).toBe("released");
    expect(queue.heard).toEqual(["released 1"]);
  });

  it("a lease taken on the ledger directly and released through the admission: the queue hears nothing, waiters go in", async () => {
    const { queue, ledger, admission } = setup();
    const direct = ledger.tryAcquire(ledger.demand({ slot: 1 }), 5) as Lease;
    const waiting = admission.acquire({ slot: 1 }, { task: 6 });
    expect(admission.release(direct, "success")).toBe("released");
    expect((await waiting).task).toBe(6);
    expect(queue.heard).toEqual([]);
  });

  it("setLimit admits the waiters a raised limit makes room for", async () => {
    const { admission } = setup({ slot: 2 });
    admission.setLimit("slot", 1);
    await admission.acquire({ slot: 1 });
    const waiting = admission.acquire({ slot: 1 }, { task: 2 });
    await Promise.resolve();
    expect(admission.waiting).toBe(1);
    admission.setLimit("slot", 2);
    expect((await waiting).task).toBe(2);
    expect(admission.waiting).toBe(0);
  });

  it("service for a queue that takes none (the default FIFO) is dropped without error", async () => {
    const admission = new AsyncAdmission(new LeaseLedger({ slot: 1 }, clock));
    const lease = await admission.acquire({ slot: 1 });
    expect(() => admission.charge(lease, { inputTokens: 1, outputTokens: 1, providerMs: 1 })).not.toThrow();
    expect(admission.release(lease, "success")).toBe("released");
  });

  it("releases a lease of another ledger as unknown, changing nothing", async () => {
    const { admission, ledger } = setup();
    const other = new LeaseLedger({ slot: 1 }, clock);
    const foreign = other.tryAcquire(other.demand({ slot: 1 }), 1) as Lease;
    expect(admission.release(foreign, "success")).toBe("unknown");
    expect(ledger.heldAmount("slot")).toBe(0);
  });
});

describe("AsyncAdmission: what a caller reads", () => {
  it("a demand above a limit is refused up front, naming the amount, the resource and the limit", async () => {
    const { admission } = setup({ slot: 1, other: 4 });
    await expect(admission.acquire({ other: 1, slot: 3 })).rejects.toThrow(new RangeError("the request needs 3 of slot but its limit is 1: it could never be granted"));
    expect(admission.waiting).toBe(0);
  });

  it("refusals after shutdown are AdmissionClosedErrors by name; shutting down twice is harmless", async () => {
    const { admission } = setup();
    const held = await admission.acquire({ slot: 1 });
    const waiting = admission.acquire({ slot: 1 });
    admission.shutdown();
    admission.shutdown();
    await expect(waiting).rejects.toMatchObject({ name: "AdmissionClosedError", message: "the admission was shut down while this caller waited" });
    await expect(admission.acquire({ slot: 1 })).rejects.toThrow(new AdmissionClosedError("the admission was shut down"));
    expect(admission.release(held, "success")).toBe("released");
  });

  it("shutdown refuses every waiter of a share-based queue, even when its shares hold every waiting group back", async () => {
    // Capacity 2 shared by a, b and c; the ledger allows 3. Each of the three holds one lease, so a and b (at
    // their share of 2/3 while the other waits) are both held back: the queue selects nobody, yet both wait.
    const ledger = new LeaseLedger({ slot: 3 }, clock);
    const queue = new ProportionalQueue<AdmissionWaiter>({ quotas: { byGroup: {}, defaultWeight: 1 }, capacity: 2 }, AsyncAdmission.waiterContext(clock));
    const admission = new AsyncAdmission(ledger, queue);
    const held = [await admission.acquire({ slot: 1 }, { group: "a" }), await admission.acquire({ slot: 1 }, { group: "b" }), await admission.acquire({ slot: 1 }, { group: "c" })];
    const outcomes: string[] = [];
    for (const group of ["a", "b", "a", "b"]) void admission.acquire({ slot: 1 }, { group }).then(() => outcomes.push("granted"), (error: Error) => outcomes.push(error.name));
    admission.release(held[2] as Lease, "success");
    expect([admission.waiting, queue.select(() => true)]).toEqual([4, undefined]);
    admission.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes).toEqual(["AdmissionClosedError", "AdmissionClosedError", "AdmissionClosedError", "AdmissionClosedError"]);
    // The refused waiters never ran: the queue counts only the leases still held.
    expect([admission.waiting, queue.countsOf("a").running, queue.countsOf("b").running]).toEqual([0, 1, 1]);
  });

  it("an abort after the grant changes nothing: the lease is the caller's", async () => {
    const { admission, ledger } = setup();
    const controller = new AbortController();
    const lease = await admission.acquire({ slot: 1 }, { signal: controller.signal });
    controller.abort();
    expect(ledger.heldAmount("slot")).toBe(1);
    expect(admission.release(lease, "cancel")).toBe("released");
  });
});
