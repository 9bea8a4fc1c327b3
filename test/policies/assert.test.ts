// The invariant checks every policy module uses: a failed check throws an AssertionError (a bug, with a stack)
// carrying the message given; a passing one does nothing; an unreachable switch case names the value it got.

import { describe, expect, it } from "vitest";
import { AssertionError, assert, assertionFailed, unreachable } from "../../src/policies/assert.ts";

/** What was thrown, for checking its class, name and message together. */
function thrown(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("assert", () => {
  it("a passing check does nothing; a failing one throws an AssertionError with the message", () => {
    expect(thrown(() => assert(true, "never shown"))).toBeUndefined();
    const error = thrown(() => assert(false, "held above the limit"));
    expect(error).toBeInstanceOf(AssertionError);
    expect(error).toMatchObject({ name: "AssertionError", message: "held above the limit" });
    expect(String((error as Error).stack)).toContain("AssertionError: held above the limit");
  });

  it("assertionFailed throws an AssertionError with the message built by the caller", () => {
    const error = thrown(() => assertionFailed("lease 7 released twice"));
    expect(error).toBeInstanceOf(AssertionError);
    expect(error).toMatchObject({ name: "AssertionError", message: "lease 7 released twice" });
  });

  it("unreachable names the unhandled value as JSON", () => {
    const error = thrown(() => unreachable({ type: "surprise" } as never));
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toBe('unhandled case {"type":"surprise"}');
  });
});
