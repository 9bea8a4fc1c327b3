// examples/realtime.ts runs on the wall clock and checks its own limits; here it must run to its end and show
// what it is for: 429s answered, AIMD lowering fast's limit, and no lease left behind.

import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("examples/realtime.ts", () => {
  it("runs through admission and rate control on the system clock and ends with its checks passed", () => {
    const output = execFileSync(process.execPath, ["--import", "tsx", "examples/realtime.ts"], { encoding: "utf8", timeout: 60_000 });
    expect(output).toContain("ok: no limit was exceeded and every lease was released");
    expect(output).toMatch(/ 429 +search-/);
    expect(output).toMatch(/limit +fast → 1 \(aimd_decrease\)/);
  }, 60_000);
});
