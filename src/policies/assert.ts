// Invariant checks for the code that owns the invariant. A failed assertion is a bug in schedlab, never a
// user error, so it throws with a stack.

export class AssertionError extends Error {
  override name = "AssertionError";
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
