// For the planted-bug tests: a property must be refuted by a counterexample it returns false on, not by an
// exception thrown along the way (which would say the variant crashed, not that the property caught it).

import type fc from "fast-check";

export function refuted<Ts>(details: fc.RunDetails<Ts>): boolean {
  return details.failed && String(details.errorInstance).includes("Property failed by returning false");
}
