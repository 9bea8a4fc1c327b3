// Report folders are never silently replaced by a different request: the same request replaces its own report,
// a different scenario, policy set, seed or sweep refuses (exit 2, folder untouched) unless --force.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestFingerprint } from "../../src/cli/report-output.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { schedlabInProcess } from "./in-process.ts";

const DEFAULT_FILE = fileURLToPath(new URL("../../scenarios/default.json", import.meta.url));

let folder = "";
let tiny = "";
function writeScenario(name: string, jobs: number): string {
  const file = join(folder, `${name}.json`);
  writeFileSync(file, JSON.stringify({ extends: relative(folder, DEFAULT_FILE), name: "tiny", stop: { jobs } }));
  return file;
}
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "schedlab-report-folder-"));
  tiny = writeScenario("tiny", 80);
});
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function seedsIn(out: string): number[] {
  return (JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { seeds: number[] }).seeds;
}

describe("report folders", () => {
  it("the same request twice goes to the same folder and replaces it; another seed is refused until --force", async () => {
    const out = join(folder, "run");
    expect((await schedlabInProcess("run", tiny, "--seed", "3", "--out", out)).status).toBe(0);
    writeFileSync(join(out, "summary.md"), "stale");
    const again = await schedlabInProcess("run", tiny, "--seed", "3", "--out", out);
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(out, "summary.md"), "utf8")).not.toBe("stale");

    const other = await schedlabInProcess("run", tiny, "--seed", "4", "--out", out);
    expect(other.status).toBe(2);
    expect(other.stdout).toBe("");
    expect(other.stderr).toMatch(/^schedlab: --out: "[^"]+" holds the report of a different request \(schedlab run .* --seed 3\); pass --force to replace it, or give another --out\n$/);
    expect(seedsIn(out)).toEqual([3]);

    expect((await schedlabInProcess("run", tiny, "--seed", "4", "--out", out, "--force")).status).toBe(0);
    expect(seedsIn(out)).toEqual([4]);
  });

  it("compare refuses another seed count, and sweep another value, in a folder of theirs", async () => {
    const compared = join(folder, "compare");
    expect((await schedlabInProcess("compare", tiny, "--seeds", "2", "--policies", "fifo-retry-after", "--out", compared)).status).toBe(0);
    expect((await schedlabInProcess("compare", tiny, "--seeds", "2", "--policies", "fifo-retry-after", "--out", compared)).status).toBe(0);
    expect((await schedlabInProcess("compare", tiny, "--seeds", "3", "--policies", "fifo-retry-after", "--out", compared)).status).toBe(2);
    expect(seedsIn(compared)).toEqual([1, 2]);

    const swept = join(folder, "sweep");
    const sweep = (values: string) => schedlabInProcess("sweep", tiny, "--param", `arrivals.rate_per_second=${values}`, "--policies", "fifo-retry-after", "--seeds", "1", "--out", swept);
    expect((await sweep("1,2")).status).toBe(0);
    expect((await sweep("1,2")).status).toBe(0);
    const other = await sweep("1,3");
    expect(other.status).toBe(2);
    expect(other.stderr).toContain("--force");
  });

  it("refuses a folder whose summary.json it cannot read", async () => {
    const out = join(folder, "foreign");
    expect((await schedlabInProcess("run", tiny, "--out", out)).status).toBe(0);
    writeFileSync(join(out, "summary.json"), "not json");
    const outcome = await schedlabInProcess("run", tiny, "--out", out);
    expect(outcome.stderr).toBe(`schedlab: --out: "${out}" holds a report of a different request; pass --force to replace it, or give another --out\n`);
    expect(readFileSync(join(out, "summary.json"), "utf8")).toBe("not json");
  });

  it("refuses a report of an earlier schedlab, which did not keep its request, and says so", async () => {
    const out = join(folder, "earlier");
    expect((await schedlabInProcess("run", tiny, "--out", out)).status).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Record<string, unknown>;
    delete summary.request;
    writeFileSync(join(out, "summary.json"), JSON.stringify(summary));
    const outcome = await schedlabInProcess("run", tiny, "--out", out);
    expect(outcome.status).toBe(2);
    expect(outcome.stderr).toContain("holds a report of an earlier schedlab that does not say its request (schedlab run ");
  });

  it("with --json, says on stderr where it wrote", async () => {
    const out = join(folder, "json");
    const outcome = await schedlabInProcess("run", tiny, "--json", "--out", out);
    expect(outcome.stderr).toBe(`schedlab: wrote the report to ${out}\n`);
  });

  it("a request's fingerprint follows the scenario as loaded, an edit to a value through extends included", () => {
    const request = (file: string) => ({ command: "run" as const, scenario: loadScenario(file), policies: ["fifo-retry-after"], seeds: [1] });
    expect(requestFingerprint(request(tiny))).toBe(requestFingerprint(request(writeScenario("same", 80))));
    expect(requestFingerprint(request(tiny))).not.toBe(requestFingerprint(request(writeScenario("longer", 81))));
    expect(requestFingerprint(request(tiny))).not.toBe(requestFingerprint({ ...request(tiny), seeds: [2] }));
  });
});
