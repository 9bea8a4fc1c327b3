// The memory benchmark's child run on small sizes: a generated trace replays every line, and the overload
// case of 100k jobs is refused up front by the loader, as the suite's informational figure reports.

import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { MemoryResult } from "../../src/bench/memory.ts";

function child(kind: string, count: number): MemoryResult {
  const run = spawnSync(process.execPath, ["--import", "tsx", "src/bench/memory.ts", kind, String(count)], { encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as MemoryResult;
}

describe("memory benchmark runs", () => {
  it("replays every line of the generated trace", () => {
    const result = child("trace", 2_000);
    expect(result.jobs).toBe(2_000);
    expect(result.peak_rss_mb).toBeGreaterThan(0);
  });

  it("runs the overload case at a small size and refuses it at 100k jobs", () => {
    expect(child("overload", 20).jobs).toBe(20);
    expect(child("overload", 100_000).refused).toContain("stop.jobs: makes about 100,000 jobs");
  });
});
