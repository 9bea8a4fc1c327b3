// "Did you mean …?" for misspelt fields and names: the closest candidate by edit distance, if it is close
// enough to be a plausible typo. fastest-levenshtein computes the distance (a well-kept, dependency-free
// implementation; nothing here needs more than the plain Levenshtein distance).

import { distance } from "fastest-levenshtein";
import { quote } from "./problems.ts";

/** Names longer than this are not typos of a field name; comparing them would only cost time. */
const LONGEST_COMPARED = 64;

/** The candidate a user most likely meant, or undefined when none is close. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  if (name.length > LONGEST_COMPARED) return undefined;
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === name || candidate.length > LONGEST_COMPARED) continue;
    // Case alone is the closest miss of all; then one edit per three characters, at least one.
    const edits = candidate.toLowerCase() === lower ? 0.5 : swapsToward(lower, candidate.toLowerCase()) ? 1 : distance(lower, candidate.toLowerCase());
    const allowed = Math.max(1, Math.floor(Math.max(name.length, candidate.length) / 3));
    if (edits <= allowed && edits < bestDistance) {
      best = candidate;
      bestDistance = edits;
    }
  }
  return best;
}

/** Whether two adjacent letters swapped turn one into the other ("fats" → "fast"): one slip, two Levenshtein edits. */
function swapsToward(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const differing: number[] = [];
  for (let index = 0; index < a.length && differing.length <= 2; index += 1) if (a[index] !== b[index]) differing.push(index);
  const [first, second] = differing;
  return differing.length === 2 && second === (first as number) + 1 && a[first as number] === b[second] && a[second] === b[first as number];
}

/** `; did you mean "x"?`, or nothing. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const suggestion = closest(name, candidates);
  return suggestion === undefined ? "" : `; did you mean ${quote(suggestion)}?`;
}

/** `(have: a, b, c)`, shortened past a dozen names. */
export function haveList(candidates: readonly string[]): string {
  if (candidates.length === 0) return "(there are none)";
  const shown = candidates.slice(0, 12).join(", ");
  return `(have: ${shown}${candidates.length > 12 ? `, … ${candidates.length - 12} more` : ""})`;
}
