// What run, compare and sweep share around their runs: before any run, claiming the report folder (a folder
// holding another request's report is not replaced without --force); after, printing the tables and writing
// the folder.
//
// A request is what decides a report's figures: the command, the scenario as loaded (after `extends`, so an
// edit to a base counts), the policies, the seeds and, for a sweep, the parameters. Its fingerprint is kept in
// summary.json as "request". The same request again replaces its own report; a different one into the same
// folder stops with exit code 2 before running anything, and says how to go on.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Comparison } from "../experiment/compare.ts";
import type { Sweep } from "../experiment/sweep.ts";
import type { Scenario } from "../scenario/types.ts";
import { reportFiles, terminalSummary } from "../report/summary.ts";
import { sweepReportFiles, sweepTerminalSummary } from "../report/sweep-summary.ts";
import { DEFAULT_WIDTH } from "../report/table.ts";
import { writeFilesAtomically } from "../report/write.ts";
import { UsageError, packageVersion, requireFolderTarget } from "./args.ts";

export interface ReportRequest {
  readonly command: "run" | "compare" | "sweep";
  readonly scenario: Scenario;
  readonly policies: readonly string[];
  readonly seeds: readonly number[];
  readonly parameters?: readonly { readonly path: string; readonly values: readonly unknown[] }[];
}

/** 12 hex digits of SHA-256: a collision between two requests of one folder is not a practical concern. */
export function requestFingerprint(request: ReportRequest): string {
  return createHash("sha256").update(JSON.stringify(request)).digest("hex").slice(0, 12);
}

/**
 * Checks, before any run, that the report can go to `out`; returns the fingerprint to keep in it. A folder
 * whose summary.json is of another request (or unreadable) is refused unless `force`.
 */
export function claimReportFolder(out: string, request: ReportRequest, force: boolean): string {
  requireFolderTarget("out", out);
  const fingerprint = requestFingerprint(request);
  const existing = existingReport(out);
  if (existing === undefined || existing.request === fingerprint || force) return fingerprint;
  throw new UsageError(`--out: "${out}" holds ${describeExisting(existing)}; pass --force to replace it, or give another --out`);
}

interface ExistingReport {
  readonly request: string | undefined;
  readonly command: string | undefined;
}

function describeExisting(existing: ExistingReport): string {
  if (existing.command === undefined) return "a report of a different request";
  // Written before reports kept their request: it may be of this very request, but nothing can tell.
  if (existing.request === undefined) return `a report of an earlier schedlab that does not say its request (${existing.command})`;
  return `the report of a different request (${existing.command})`;
}

function existingReport(out: string): ExistingReport | undefined {
  const file = join(out, "summary.json");
  if (!existsSync(file)) return undefined;
  try {
    const summary = JSON.parse(readFileSync(file, "utf8")) as { request?: unknown; command?: unknown };
    return {
      request: typeof summary.request === "string" ? summary.request : undefined,
      command: typeof summary.command === "string" ? summary.command : undefined,
    };
  } catch {
    return { request: undefined, command: undefined };
  }
}

export interface EmitOptions {
  readonly out: string;
  readonly command: string;
  readonly scenarioFile: string;
  readonly json: boolean;
  /** From claimReportFolder. */
  readonly request: string;
}

export function emitReport(comparison: Comparison, options: EmitOptions): void {
  writeAndPrint(reportFiles(comparison, reportContext(options)), options, () => terminalSummary(comparison, terminalWidth()));
}

export function emitSweepReport(sweep: Sweep, options: EmitOptions): void {
  writeAndPrint(sweepReportFiles(sweep, reportContext(options)), options, () => sweepTerminalSummary(sweep, terminalWidth()));
}

function reportContext(options: EmitOptions): { command: string; scenarioFile: string; version: string; request: string } {
  return { command: options.command, scenarioFile: options.scenarioFile, version: packageVersion(), request: options.request };
}

/** With --json, stdout is summary.json alone, so where the report went is said on stderr. */
function writeAndPrint(files: Record<string, string>, options: EmitOptions, tables: () => string): void {
  let written: string[];
  try {
    written = writeFilesAtomically(options.out, files);
  } catch (error) {
    throw new UsageError(`--out: cannot write the report to "${options.out}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (options.json) {
    process.stdout.write(files["summary.json"] ?? "");
    process.stderr.write(`schedlab: wrote the report to ${options.out}\n`);
    return;
  }
  process.stdout.write(`${tables()}\n\nWrote ${written.join(", ")}\n`);
}

/** The terminal's width; when stdout is not a terminal, COLUMNS if set, else a width that reads well in a log. */
export function terminalWidth(): number {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : DEFAULT_WIDTH;
}
