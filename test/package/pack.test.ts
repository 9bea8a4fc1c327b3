// The npm package as a user gets it: `npm pack` (which builds dist/ through `prepare`), the tarball installed
// into an empty project, both entry points imported from plain JavaScript, and the installed `schedlab` bin run.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NPM_FLAGS = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];

interface PackedFile {
  readonly path: string;
}

let workspace = "";
let project = "";
let packedFiles: string[] = [];

function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 240_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.status}:\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), "schedlab-pack-"));
  const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", workspace, ...NPM_FLAGS], ROOT)) as { filename: string; files: PackedFile[] }[];
  const tarball = join(workspace, packed[0]?.filename ?? "missing.tgz");
  packedFiles = (packed[0]?.files ?? []).map((file) => file.path);
  project = join(workspace, "consumer");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  run("npm", ["install", tarball, ...NPM_FLAGS], project);
}, 300_000);

afterAll(() => {
  if (workspace !== "") rmSync(workspace, { recursive: true, force: true });
});

const CONSUMER = `
import { compare, parseScenario, terminalSummary } from "schedlab";
import { AsyncAdmission, SystemClock } from "schedlab/policies";

const scenario = parseScenario(JSON.stringify({
  name: "tiny", stop: { jobs: 40 }, arrivals: { process: "poisson", rate_per_second: 2 },
  providers: [{ name: "fast", max_concurrent: 2,
    latency: { time_to_first_token_ms: { kind: "lognormal", median: 400, p95: 1200 }, decode_tokens_per_second: 100 } }],
  templates: [{ name: "chat", lane: "interactive", provider: "fast", shape: "single", input_tokens: 500, output_tokens: 100, max_output_tokens: 256 }],
  policies: [{ name: "a", global_max_concurrent: 2 }, { name: "b", global_max_concurrent: 1 }],
}), "tiny.json");
const comparison = compare({ scenario, policies: scenario.policies, seeds: [1, 2] });

const admission = AsyncAdmission.withLimits({ global: 1 }, new SystemClock());
const order = [];
await Promise.all([1, 2, 3].map((task) =>
  admission.run({ global: 1 }, async () => { order.push(task); await new Promise((done) => setTimeout(done, 5)); }, { task })));

console.log(JSON.stringify({
  policies: comparison.results.map((result) => result.policy.name),
  completed: comparison.results.map((result) => result.runs.map((run) => run.jobs.completed)),
  summaryHasTable: terminalSummary(comparison).includes("interactive"),
  order,
  heldAfter: admission.ledger.heldAmount("global"),
}));
`;

describe("npm package", () => {
  it("ships the compiled entry points, their declarations, the bin and the scenarios, and no sources or tests", () => {
    for (const file of ["dist/index.js", "dist/index.d.ts", "dist/policies-entry.js", "dist/policies-entry.d.ts", "dist/cli/main.js", "bin/schedlab.js", "scenarios/default.json"]) {
      expect(packedFiles).toContain(file);
    }
    expect(packedFiles.filter((file) => file.startsWith("src/") || file.startsWith("test/") || file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
  });

  it("imports schedlab and schedlab/policies from plain JavaScript and runs them", () => {
    writeFileSync(join(project, "consumer.mjs"), CONSUMER);
    const output = JSON.parse(run(process.execPath, ["consumer.mjs"], project)) as Record<string, unknown>;
    expect(output).toEqual({ policies: ["a", "b"], completed: [[40, 40], [40, 40]], summaryHasTable: true, order: [1, 2, 3], heldAfter: 0 });
  });

  it("installs a schedlab bin that runs the compiled CLI without tsx", () => {
    const installed = join(project, "node_modules", "schedlab");
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { version: string };
    expect(run(join(project, "node_modules", ".bin", "schedlab"), ["--version"], project).trim()).toBe(manifest.version);
    const listed = JSON.parse(run(join(project, "node_modules", ".bin", "schedlab"), ["list", "--dir", join(installed, "scenarios"), "--json"], project)) as { scenarios: { name: string }[] };
    expect(listed.scenarios.map((scenario) => scenario.name)).toContain("default");
    const tsxInstalled = spawnSync(process.execPath, ["-e", "import('tsx')"], { cwd: project, encoding: "utf8" });
    expect(tsxInstalled.status).not.toBe(0);
  });

  it("runs compare --jobs 2 on worker threads from the installed, compiled package, the same as --jobs 1", () => {
    const bin = join(project, "node_modules", ".bin", "schedlab");
    const scenario = join(project, "node_modules", "schedlab", "scenarios", "default.json");
    for (const jobs of ["1", "2"]) run(bin, ["compare", scenario, "--seeds", "2", "--jobs", jobs, "--out", `jobs-${jobs}`], project);
    const summary = (jobs: string): string => readFileSync(join(project, `jobs-${jobs}`, "summary.json"), "utf8");
    expect(summary("2")).toBe(summary("1"));
    expect(JSON.parse(summary("2")).seeds).toEqual([1, 2]);
  });
});
