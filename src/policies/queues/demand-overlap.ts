// Whether two demands need a resource in common: a waiting task can only gain from a running one giving its
// lease back (a yield) if it waits for something that lease holds.

import type { Demand } from "../lease-ledger.ts";

/** Compares the vectors' resource keys, not ledger slots, so demands resolved by two ledgers compare correctly. */
export function demandsOverlap(a: Demand, b: Demand): boolean {
  for (const resource of Object.keys(a.vector)) if (Object.hasOwn(b.vector, resource)) return true;
  return false;
}
