// The default comparison (`schedlab compare scenarios/default.json`) with --jobs 1 and --jobs 2, each round a
// fresh process of the compiled CLI (dist/, as an installed schedlab runs), rounds alternating so a change in
// the machine's load falls on both. Prints the median wall time of each and the speed-up; checks on the way
// that both wrote the same summary.json. Target on 2 idle cores: ≥ 1.7×. The load average is printed beside
// it, since on a shared machine the figure says more about the neighbours than about schedlab.
//   npm run bench:parallel [-- --rounds N]

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median } from "../src/bench/figures.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const JOBS = [1, 2] as const;
const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) {
  process.stderr.write(`bench:parallel: --rounds: expected an integer from 1 to 100, got "${values.rounds}"\n`);
  process.exit(2);
}
if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
  process.stderr.write("bench:parallel: dist/ is missing: run 'npm run build' first\n");
  process.exit(2);
}

const folder = mkdtempSync(join(tmpdir(), "schedlab-bench-parallel-"));
const wallMs: Record<(typeof JOBS)[number], number[]> = { 1: [], 2: [] };
try {
  for (let round = 0; round < rounds; round += 1) {
    for (const jobs of JOBS) {
      const out = join(folder, `jobs-${jobs}`);
      const started = process.hrtime.bigint();
      const child = spawnSync(process.execPath, ["bin/schedlab.js", "compare", "scenarios/default.json", "--jobs", String(jobs), "--out", out], { cwd: ROOT, encoding: "utf8" });
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (child.status !== 0) throw new Error(`compare --jobs ${jobs} exited ${child.status}:\n${child.stderr}`);
      wallMs[jobs].push(elapsedMs);
    }
    const summaries = JOBS.map((jobs) => readFileSync(join(folder, `jobs-${jobs}`, "summary.json"), "utf8"));
    if (summaries[0] !== summaries[1]) throw new Error("--jobs 1 and --jobs 2 wrote different summary.json files");
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}

const one = median(wallMs[1]);
const two = median(wallMs[2]);
const [load1] = loadavg();
process.stdout.write(
  `compare scenarios/default.json, ${rounds} rounds, median wall time:\n` +
    `  --jobs 1: ${(one / 1000).toFixed(2)} s\n` +
    `  --jobs 2: ${(two / 1000).toFixed(2)} s\n` +
    `  speed-up: ${(one / two).toFixed(2)}× (target ≥ 1.7× on 2 idle cores; this machine: ${availableParallelism()} cores, load average ${load1?.toFixed(1)} at the end)\n`,
);
