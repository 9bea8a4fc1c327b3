// Merging the shards of one comparison: each folder's manifest must name the same request and shard count,
// every shard must be there exactly once, and every run must be where its manifest says; the runs then stand
// in case order, as an unsharded run makes them.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Comparison, comparisonOfCases } from "./compare.ts";
import type { ChartedRun } from "./parallel.ts";
import { type CompareRequestRecord, MANIFEST_FILE, RUNS_FILE, SHARD_FORMAT, SHARD_FORMAT_VERSION, type ShardManifest, decodeJson, requestId, shardCases } from "./shard.ts";

/** A set of folders that do not make one comparison; the message names the folder and what is wrong. */
export class MergeError extends Error {
  override name = "MergeError";
}

export interface MergedShards {
  readonly request: CompareRequestRecord;
  readonly comparison: Comparison;
}

export function mergeShards(folders: readonly string[]): MergedShards {
  if (folders.length === 0) throw new MergeError("no shard folders given");
  const shards = folders.map((folder) => ({ folder, manifest: readManifest(folder) }));
  const first = shards[0] as (typeof shards)[number];
  const { request, shard } = first.manifest;
  const byIndex = new Map<number, string>();
  for (const { folder, manifest } of shards) {
    if (manifest.requestId !== first.manifest.requestId) {
      throw new MergeError(`${folder} is a shard of another request than ${first.folder} (${differenceOf(first.manifest.request, manifest.request)})`);
    }
    if (manifest.shard.count !== shard.count) throw new MergeError(`${folder} is shard ${manifest.shard.index}/${manifest.shard.count}, ${first.folder} is one of ${shard.count}`);
    const twin = byIndex.get(manifest.shard.index);
    if (twin !== undefined) throw new MergeError(`shard ${manifest.shard.index}/${shard.count} given twice: ${twin} and ${folder}`);
    byIndex.set(manifest.shard.index, folder);
  }
  const missing = Array.from({ length: shard.count }, (_, index) => index + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0) throw new MergeError(`missing shard${missing.length === 1 ? "" : "s"} ${missing.map((index) => `${index}/${shard.count}`).join(", ")} of request ${first.manifest.requestId}`);

  const total = request.policies.length * request.seeds.length;
  const runs = new Array<ChartedRun>(total);
  for (const { folder, manifest } of shards) {
    const expected = shardCases(total, manifest.shard);
    if (manifest.cases.length !== expected.length || manifest.cases.some((index, position) => index !== expected[position])) {
      throw new MergeError(`${join(folder, MANIFEST_FILE)}: its case list is not that of shard ${manifest.shard.index}/${manifest.shard.count}`);
    }
    const lines = readText(join(folder, RUNS_FILE)).split("\n").filter((line) => line !== "");
    if (lines.length !== expected.length) throw new MergeError(`${join(folder, RUNS_FILE)}: expected ${expected.length} runs, found ${lines.length} (an unfinished shard?)`);
    for (const [position, line] of lines.entries()) runs[expected[position] as number] = parseRun(line, join(folder, RUNS_FILE), position);
  }
  return { request, comparison: comparisonOfCases(request.scenario, request.policies, request.seeds, runs) };
}

function readManifest(folder: string): ShardManifest {
  const file = join(folder, MANIFEST_FILE);
  let value: unknown;
  try {
    value = decodeJson(readText(file));
  } catch (error) {
    if (error instanceof MergeError) throw error;
    throw new MergeError(`${file}: not valid JSON`);
  }
  const manifest = value as Partial<ShardManifest> | null;
  if (manifest?.format !== SHARD_FORMAT) throw new MergeError(`${file}: not a schedlab shard manifest (format is not "${SHARD_FORMAT}")`);
  if (manifest.formatVersion !== SHARD_FORMAT_VERSION) throw new MergeError(`${file}: shard format version ${String(manifest.formatVersion)}, this schedlab reads ${SHARD_FORMAT_VERSION}`);
  const { shard, request, cases } = manifest;
  if (shard === undefined || !Number.isInteger(shard.count) || !Number.isInteger(shard.index) || shard.index < 1 || shard.index > shard.count) {
    throw new MergeError(`${file}: shard: expected {index, count} with 1 ≤ index ≤ count`);
  }
  if (request === undefined || typeof request.scenario !== "object" || request.scenario === null || !Array.isArray(request.policies) || !Array.isArray(request.seeds) || !Array.isArray(cases)) {
    throw new MergeError(`${file}: request (scenario, policies, seeds) or cases missing`);
  }
  // The id is recomputed, so an edited request does not pass for the one its id names.
  if (requestId(request) !== manifest.requestId) throw new MergeError(`${file}: requestId does not match its request (was the manifest edited?)`);
  return manifest as ShardManifest;
}

function parseRun(line: string, file: string, position: number): ChartedRun {
  try {
    return decodeJson(line) as ChartedRun;
  } catch {
    throw new MergeError(`${file}: line ${position + 1} is not valid JSON (a truncated file?)`);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new MergeError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)}); is this a shard folder written by 'schedlab compare --shard'?`);
  }
}

/** Which part of two requests differs, for the error message. */
function differenceOf(a: CompareRequestRecord, b: CompareRequestRecord): string {
  const names = (request: CompareRequestRecord): string => request.policies.map((policy) => policy.name).join(",");
  const seeds = (request: CompareRequestRecord): string => `${request.seeds[0]}…${request.seeds[request.seeds.length - 1]} (${request.seeds.length})`;
  if (a.scenario.name !== b.scenario.name) return `scenario "${a.scenario.name}" vs "${b.scenario.name}"`;
  if (names(a) !== names(b)) return `policies ${names(a)} vs ${names(b)}`;
  if (seeds(a) !== seeds(b)) return `seeds ${seeds(a)} vs ${seeds(b)}`;
  if (a.version !== b.version) return `schedlab ${a.version} vs ${b.version}`;
  if (a.scenarioFile !== b.scenarioFile) return `scenario file ${a.scenarioFile} vs ${b.scenarioFile}`;
  return "the scenario's or a policy's settings differ";
}
