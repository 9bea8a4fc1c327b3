import { describe, expect, it } from "vitest";
import { Engine, EventLimitError, MAX_EVENTS_PER_INSTANT, StalledClockError } from "../../src/sim/engine.ts";

describe("Engine", () => {
  it("runs timers in time order and skips canceled ones without moving the clock", () => {
    const engine = new Engine(1000);
    const fired: number[] = [];
    engine.schedule(30, () => fired.push(engine.clock.now()));
    engine.schedule(10, () => fired.push(engine.clock.now()));
    const late = engine.schedule(500, () => fired.push(engine.clock.now()));
    engine.cancel(late);
    engine.run({ handle: () => undefined });
    expect(fired).toEqual([10, 30]);
    expect(engine.clock.now()).toBe(30);
  });

  it("stops a run over its event limit with a clear error", () => {
    const engine = new Engine(50);
    const again = (): void => void engine.schedule(1, again);
    engine.schedule(1, again);
    expect(() => engine.run({ handle: () => undefined })).toThrow(EventLimitError);
  });

  it("stops a zero-delay loop at one instant with a StalledClockError, naming the time", () => {
    const engine = new Engine(MAX_EVENTS_PER_INSTANT * 2);
    const again = (): void => void engine.schedule(0, again);
    engine.schedule(7, again);
    let caught: unknown;
    try {
      engine.run({ handle: () => undefined });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StalledClockError);
    expect((caught as Error).message).toMatch(/t=7 ms/);
  });
});
