// schedlab validate and schema, and the warnings of run: exit codes (--strict), --json, several files at
// once, the JSON Schema file, and warnings that go to stderr without changing a run's exit code.

import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { schedlabInProcess } from "./in-process.ts";

const FIXTURES = "test/scenario/fixtures";
const temporary = mkdtempSync(join(tmpdir(), "schedlab-validate-"));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

describe("validate", () => {
  it("passes every shipped scenario and the schema beside them", async () => {
    const files = ["agent-lanes", "bench-1m", "default", "heavy-root", "hidden-waiters", "modes-and-projects", "multi-tenant", "schema"].map((name) => `scenarios/${name}.json`);
    const outcome = await schedlabInProcess("validate", ...files);
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(outcome.stdout.split("\n").filter((line) => line !== "")).toHaveLength(files.length);
    expect(outcome.stdout).toContain("scenarios/schema.json: ok (the JSON Schema of the scenario format, current)");
    expect(outcome.stderr.split("\n").every((line) => line === "" || line.startsWith("schedlab: warning: scenarios/"))).toBe(true);
  });

  it("goes on past a bad file and exits 2, listing each file's problems", async () => {
    const outcome = await schedlabInProcess("validate", `${FIXTURES}/typo-provider.json`, "default", `${FIXTURES}/unknown-tenant-limit.json`);
    expect(outcome.status).toBe(2);
    expect(outcome.stdout).toBe("scenarios/default.json: ok (default, 3 policies)\n");
    expect(outcome.stderr).toContain(`${FIXTURES}/typo-provider.json: templates[0].provider`);
    expect(outcome.stderr).toContain(`${FIXTURES}/unknown-tenant-limit.json: policies[0].project_limits.acmee`);
  });

  it("exits 0 on warnings alone, and 1 with --strict", async () => {
    expect((await schedlabInProcess("validate", `${FIXTURES}/overloaded-provider.json`)).status).toBe(0);
    const strict = await schedlabInProcess("validate", "--strict", `${FIXTURES}/overloaded-provider.json`);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/^schedlab: warning: .*overloaded-provider\.json: providers\[0\]: /);
    expect((await schedlabInProcess("validate", "--strict", "default")).status).toBe(0);
    expect((await schedlabInProcess("validate", "--strict", `${FIXTURES}/overloaded-provider.json`, `${FIXTURES}/typo-field.json`)).status).toBe(2);
  });

  it("--json reports every file with its errors and warnings, and nothing on stderr", async () => {
    const outcome = await schedlabInProcess("validate", "--json", `${FIXTURES}/typo-field.json`, `${FIXTURES}/false-reaps.json`, `${FIXTURES}/extends-base-broken.json`);
    expect(outcome.status).toBe(2);
    expect(outcome.stderr).toBe("");
    const report = JSON.parse(outcome.stdout) as { files: { file: string; ok: boolean; errors: { path: string; message: string; origin?: string }[]; warnings: { path: string }[] }[] };
    expect(report.files.map((file) => [file.file, file.ok, file.errors.length, file.warnings.length])).toEqual([
      [`${FIXTURES}/typo-field.json`, false, 2, 0],
      [`${FIXTURES}/false-reaps.json`, true, 0, 1],
      [`${FIXTURES}/extends-base-broken.json`, false, 2, 0],
    ]);
    expect(report.files[1]?.warnings[0]?.path).toBe("policies[0].reap_after_ms");
    expect(report.files[2]?.errors[0]?.origin).toBe(`${FIXTURES}/typo-field.json`);
  });

  it("finds a stale JSON Schema file", async () => {
    const stale = JSON.parse(readFileSync("scenarios/schema.json", "utf8")) as Record<string, unknown>;
    stale.title = "an older schedlab scenario";
    const file = join(temporary, "schema.json");
    writeFileSync(file, JSON.stringify(stale));
    const outcome = await schedlabInProcess("validate", file);
    expect(outcome.status).toBe(2);
    expect(outcome.stderr).toBe(`schedlab: ${file}: is a JSON Schema, but not the current one of the scenario format; regenerate it with 'schedlab schema --out FILE'\n`);
  });

  it("refuses a JSON Schema given to run, in one line", async () => {
    const outcome = await schedlabInProcess("run", "scenarios/schema.json", "--out", join(temporary, "never"));
    expect(outcome.status).toBe(2);
    expect(outcome.stderr).toMatch(/^schedlab: scenarios\/schema\.json: is a JSON Schema, not a scenario[^\n]*\n$/);
    expect(existsSync(join(temporary, "never"))).toBe(false);
  });
});

describe("schema", () => {
  it("prints the committed scenarios/schema.json, and --out writes the same", async () => {
    const printed = await schedlabInProcess("schema");
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(readFileSync("scenarios/schema.json", "utf8"));
    const file = join(temporary, "written.json");
    expect((await schedlabInProcess("schema", "--out", file)).status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(printed.stdout);
  });
});

describe("warnings in run", () => {
  it("go to stderr and leave the exit code 0 and the report written", async () => {
    const file = join(temporary, "overloaded.json");
    const scenario = JSON.parse(readFileSync(`${FIXTURES}/overloaded-provider.json`, "utf8")) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...scenario, $schema: undefined, stop: { jobs: 30 } }));
    const out = join(temporary, "overloaded-report");
    const outcome = await schedlabInProcess("run", file, "--out", out);
    expect(outcome.status, outcome.stderr).toBe(0);
    expect(outcome.stderr).toMatch(/^schedlab: warning: [^\n]*providers\[0\]: smart: offered about 4\.7× [^\n]*\n$/);
    expect(existsSync(join(out, "summary.json"))).toBe(true);
  });

  it("note false reaps under the tables", async () => {
    const file = join(temporary, "false-reaps.json");
    copyFileSync(`${FIXTURES}/false-reaps.json`, file);
    const outcome = await schedlabInProcess("run", file, "--out", join(temporary, "reaps-report"));
    expect(outcome.status).toBe(0);
    expect(outcome.stdout).toMatch(/Note: reap-20s reaped [\d,]+ workers per run, [\d,]+ of them working \(false reaps\)/);
  });
});
