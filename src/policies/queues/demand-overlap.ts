// Whether two demands need a resource in common: a waiting task can only gain from a running one giving its
// lease back (a yield) if it waits for something that lease holds.

import type { Demand } from "../lease-ledger.ts";

export function demandsOverlap(a: Demand, b: Demand): boolean {
  for (let i = 0; i < a.slots.length; i += 1) {
    const slot = a.slots[i];
    for (let j = 0; j < b.slots.length; j += 1) if (b.slots[j] === slot) return true;
  }
  return false;
}
