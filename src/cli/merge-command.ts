// schedlab merge: the shard folders of `compare --shard i/n` combined into the report one unsharded run writes.

import { MergeError, mergeShards } from "../experiment/merge.ts";
import { UsageError, packageVersion, parseCommand, requireFolderTarget } from "./args.ts";
import { compareCommandLine } from "./compare-command.ts";
import { claimReportFolder, emitReport } from "./report-output.ts";

export const MERGE_HELP = `Usage: schedlab merge SHARD_DIR... --out DIR [--force] [--json]

Combines the folders written by 'schedlab compare SCENARIO --shard I/N' (each
holds manifest.json and runs.jsonl) into the report the unsharded comparison
writes: the same tables and the same summary.md, summary.csv, runs.csv,
summary.json and report.html, to the byte. Every shard 1..N must be given
exactly once, and all of the same request (scenario, policies, seeds, schedlab
version); otherwise nothing is written and the exit code is 2.

Options:
  --out DIR       report folder (required)
  --force         replace a report of a different request in that folder
  --json          print summary.json to stdout instead of the tables
  -h, --help      show this help

See docs/running.md.`;

export function mergeCommand(argv: readonly string[]): number {
  const { values, positionals } = parseCommand("merge", argv, { out: { type: "string" }, json: { type: "boolean" }, force: { type: "boolean" } });
  if (values.help === true) {
    process.stdout.write(`${MERGE_HELP}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("merge: missing SHARD_DIR (see 'schedlab merge --help')");
  if (values.out === undefined) throw new UsageError("merge: missing --out DIR, the folder for the merged report (see 'schedlab merge --help')");
  requireFolderTarget("out", values.out);
  let merged: ReturnType<typeof mergeShards>;
  try {
    merged = mergeShards(positionals);
  } catch (error) {
    if (error instanceof MergeError) throw new UsageError(`merge: ${error.message}`);
    throw error;
  }
  const { request, comparison } = merged;
  if (request.version !== packageVersion()) throw new UsageError(`merge: the shards were made by schedlab ${request.version}, this is ${packageVersion()}; merge with the version that made them`);
  // The request of the unsharded comparison: the merged report is that report, fingerprint included.
  const policies = request.policies.map((policy) => policy.name);
  const claimed = claimReportFolder(values.out, { command: "compare", scenario: request.scenario, policies, seeds: request.seeds }, values.force === true);
  const command = compareCommandLine(request.scenarioFile, request.policies, request.seeds, request.traceIn);
  emitReport(comparison, { out: values.out, command, scenarioFile: request.scenarioFile, json: values.json === true, request: claimed });
  return 0;
}
