// The flags of commands that run many cases: --jobs (worker threads) and --shard (a slice of the cases).

import { JOBS_MAX, autoJobs } from "../experiment/parallel.ts";
import type { Shard } from "../experiment/shard.ts";
import { UsageError, integerFlag } from "./args.ts";

export const JOBS_HELP = `  --jobs K        run cases on K threads (this one and K − 1 workers), or
                  "auto" for one per core (default 1); results are
                  identical for every K`;

/** `--jobs K` or `--jobs auto`; 1 when absent. */
export function jobsFlag(text: string | undefined): number {
  if (text === "auto") return autoJobs();
  return integerFlag("jobs", text, 1, JOBS_MAX) ?? 1;
}

/** `--shard i/n`, 1 ≤ i ≤ n. */
export function shardFlag(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || count > 10_000 || index < 1 || index > count) {
    throw new UsageError(`--shard: expected i/n with 1 ≤ i ≤ n ≤ 10000 (e.g. 1/4), got "${text}"`);
  }
  return { index, count };
}
