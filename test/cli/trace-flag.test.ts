// schedlab run --trace FILE from the command line: the file is written (and announced) beside the report, and a
// trace path that cannot be written is one line with exit code 2 and no report.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const folder = mkdtempSync(join(tmpdir(), "schedlab-trace-cli-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function schedlab(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
}

describe("run --trace", () => {
  it("writes a trace-event file and the report with report.html", () => {
    const trace = join(folder, "trace.json");
    const out = join(folder, "report");
    const result = schedlab("run", "hidden-waiters", "--trace", trace, "--out", out);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Wrote ${trace}`);
    const parsed = JSON.parse(readFileSync(trace, "utf8")) as { traceEvents: { ph: string }[] };
    expect(parsed.traceEvents.some((event) => event.ph === "X")).toBe(true);
    expect(existsSync(join(out, "report.html"))).toBe(true);
  });

  it("refuses a trace in a folder that does not exist: one line, exit code 2, no report", () => {
    const out = join(folder, "refused");
    const result = schedlab("run", "default", "--trace", join(folder, "missing", "t.json"), "--out", out);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^schedlab: --trace: cannot write "[^"]+": folder "[^"]+" does not exist\n$/);
    expect(existsSync(out)).toBe(false);
  });
});
