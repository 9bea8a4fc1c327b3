// Invariant checks for the code that owns the invariant. A failed assertion is a bug in schedlab, never a
// user error, so it throws with a stack.

export class AssertionError extends Error {
  override name = "AssertionError";
}

/** For checks whose message is a constant string. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/**
 * For hot paths: write `if (!ok) assertionFailed(\`…${detail}\`)` so that the message is only built when the
 * check fails (a template literal passed to assert() is built on every call).
 */
export function assertionFailed(message: string): never {
  throw new AssertionError(message);
}

/** For the default branch of an exhaustive switch: the type checker proves it unreachable. */
export function unreachable(value: never): never {
  throw new AssertionError(`unhandled case ${JSON.stringify(value)}`);
}
