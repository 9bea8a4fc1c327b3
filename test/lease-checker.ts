// The tests' view of src/check/log-properties.ts: the violations of a parsed log, as messages.

import { LogChecker } from "../src/check/log-properties.ts";
import type { LoggedEvent } from "../src/eventlog/events.ts";

export function leaseViolations(events: readonly LoggedEvent[]): string[] {
  const checker = new LogChecker();
  for (const event of events) checker.record(event.seq, event.t, event);
  return checker.violations().map((violation) => `${violation.property}: ${violation.message}`);
}
