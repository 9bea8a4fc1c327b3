// The progress bar: drawn on stderr when it is a terminal (a pseudo-terminal from util-linux's `script`), with
// the cases done and an ETA, and cleared before the tables; nothing of it with CI=true.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HAS_SCRIPT = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
const temporary = mkdtempSync(join(tmpdir(), "schedlab-progress-"));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

/** Runs schedlab with stdin, stdout and stderr on a pseudo-terminal; returns what the terminal showed. */
function onTerminal(ci: boolean, ...args: string[]): string {
  const command = [process.execPath, "--import", "tsx", "src/cli/main.ts", ...args].map((part) => `'${part}'`).join(" ");
  const env = { ...process.env };
  delete env.CI;
  if (ci) env.CI = "true";
  const result = spawnSync("script", ["-qfec", command, "/dev/null"], { cwd: ROOT, encoding: "utf8", env, timeout: 120_000 });
  expect(result.status, result.stdout).toBe(0);
  return result.stdout;
}

describe.skipIf(!HAS_SCRIPT && process.env.CI !== "true")("progress bar", () => {
  it.each([["1"], ["2"]])("shows the runs done and an ETA on a terminal (--jobs %s), then the tables", (jobs) => {
    const shown = onTerminal(false, "compare", "default", "--seeds", "2", "--jobs", jobs, "--out", join(temporary, `bar-${jobs}`));
    expect(shown).toMatch(/compare default \[[=-]+\] [0-6]\/6 runs \| \d+s elapsed, ETA \d+s/);
    expect(shown).toContain("Job latency by lane");
    // The bar is gone before the tables: nothing of it after the first table's title.
    expect(shown.slice(shown.indexOf("Job latency by lane"))).not.toContain("ETA");
  });

  it("shows nothing of it with CI=true", () => {
    const shown = onTerminal(true, "compare", "default", "--seeds", "2", "--out", join(temporary, "ci"));
    expect(shown).toContain("Job latency by lane");
    expect(shown).not.toContain("ETA");
  });

  it("shows check's batches too", () => {
    const shown = onTerminal(false, "check", "default", "--runs", "20", "--max-jobs", "30", "--policy", "fifo-retry-after");
    expect(shown).toMatch(/check default \[[=-]+\] [0-2]\/2 batches of 10 cases/);
    expect(shown).toContain("every property held");
  });

  it("shows a long run's jobs finished, and nothing for a short one", () => {
    const raw = JSON.parse(readFileSync(join(ROOT, "scenarios", "default.json"), "utf8")) as Record<string, unknown>;
    const long = join(temporary, "long.json");
    writeFileSync(long, JSON.stringify({ ...raw, $schema: undefined, stop: { jobs: 200_000 } }));
    const shown = onTerminal(false, "run", long, "--out", join(temporary, "long-run"));
    expect(shown).toMatch(/run default fifo-retry-after \[[=-]+\] \d+\/200000 jobs/);
    const short = onTerminal(false, "run", "default", "--out", join(temporary, "short-run"));
    expect(short).not.toContain("ETA");
    expect(short).toContain("Wrote ");
  });
});
