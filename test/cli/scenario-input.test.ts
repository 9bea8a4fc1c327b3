// Scenario names resolve from the package's own scenarios/ whatever the working folder, and a file path given
// still comes first. Run as a child process from a temporary folder, as a user outside the repository would.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const DEFAULT_FILE = fileURLToPath(new URL("../../scenarios/default.json", import.meta.url));
/** tsx by absolute URL: from a folder outside the repository, `--import tsx` would not find the package. */
const TSX = import.meta.resolve("tsx");

let folder = "";
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "schedlab-anywhere-"));
});
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function schedlabIn(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["--import", TSX, MAIN, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function scenarioNameIn(out: string): string {
  return (JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { scenario: { name: string } }).scenario.name;
}

describe("scenario names from any folder", () => {
  it("`run default` outside the repository runs the package's default scenario", () => {
    const outcome = schedlabIn(folder, "run", "default", "--out", "from-package");
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(scenarioNameIn(join(folder, "from-package"))).toBe("default");
    expect(outcome.stdout).toContain(`Wrote ${join("from-package", "summary.md")}`);
  }, 60_000);

  it("a file of that name in the working folder comes first", () => {
    const local = join(folder, "default.json");
    writeFileSync(local, JSON.stringify({ extends: relative(folder, DEFAULT_FILE), name: "local-default", stop: { jobs: 30 } }));
    const outcome = schedlabIn(folder, "run", "default.json", "--out", "from-file");
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(scenarioNameIn(join(folder, "from-file"))).toBe("local-default");
    rmSync(local);
  }, 60_000);

  it("a bare name is looked up in ./scenarios before the package's", () => {
    mkdirSync(join(folder, "scenarios"));
    const local = join(folder, "scenarios", "default.json");
    writeFileSync(local, JSON.stringify({ extends: relative(join(folder, "scenarios"), DEFAULT_FILE), name: "project-default", stop: { jobs: 30 } }));
    const outcome = schedlabIn(folder, "run", "default", "--out", "from-project");
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(scenarioNameIn(join(folder, "from-project"))).toBe("project-default");
    rmSync(join(folder, "scenarios"), { recursive: true });
  }, 60_000);

  it("`list` outside the repository lists the package's scenarios", () => {
    const outcome = schedlabIn(folder, "list", "--json");
    expect(outcome.status, outcome.stderr).toBe(0);
    const names = (JSON.parse(outcome.stdout) as { scenarios: { name: string }[] }).scenarios.map((scenario) => scenario.name);
    expect(names).toContain("default");
  }, 60_000);

  it("an unknown name says which scenarios there are, and writes nothing", () => {
    const outcome = schedlabIn(folder, "run", "defualt", "--out", "unknown");
    expect(outcome.status).toBe(2);
    expect(outcome.stderr).toBe(`schedlab: defualt: no such file, nor a scenario of that name in ./scenarios or the package's scenarios; did you mean "default"?\n`);
    expect(existsSync(join(folder, "unknown"))).toBe(false);
  }, 60_000);
});
