// Sharded comparisons: shard i of n runs every n-th case of the comparison's case list (compareCases), and
// writes its runs with a manifest naming the request, so that shards made on different machines (a CI matrix)
// can be checked to belong together and merged into the report one unsharded run gives (see merge.ts).

import { createHash } from "node:crypto";
import type { PolicySpec, Scenario } from "../scenario/types.ts";
import type { ChartedRun } from "./parallel.ts";

export const MANIFEST_FILE = "manifest.json";
export const RUNS_FILE = "runs.jsonl";
export const SHARD_FORMAT = "schedlab-compare-shard";
export const SHARD_FORMAT_VERSION = 1;

/** Shards are counted from 1, as a CI matrix counts them: 1/4 … 4/4. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** What a comparison asks for; shards merge only when theirs are equal. */
export interface CompareRequestRecord {
  readonly scenarioFile: string;
  /** The --trace-in file the comparison replayed, if any (already part of `scenario`; kept for the command line). */
  readonly traceIn?: string;
  readonly scenario: Scenario;
  readonly policies: readonly PolicySpec[];
  readonly seeds: readonly number[];
  readonly version: string;
}

export interface ShardManifest {
  readonly format: typeof SHARD_FORMAT;
  readonly formatVersion: typeof SHARD_FORMAT_VERSION;
  readonly request: CompareRequestRecord;
  /** A digest of `request`, to tell shards of different requests apart at a glance. */
  readonly requestId: string;
  readonly shard: Shard;
  /** Indices into the comparison's case list of the runs in runs.jsonl, in file order. */
  readonly cases: readonly number[];
}

/** The case indices of `shard` among `total` cases: every count-th from index − 1, so each shard gets every policy. */
export function shardCases(total: number, shard: Shard): number[] {
  const indices: number[] = [];
  for (let index = shard.index - 1; index < total; index += shard.count) indices.push(index);
  return indices;
}

export function requestId(request: CompareRequestRecord): string {
  return createHash("sha256").update(encodeJson(request)).digest("hex").slice(0, 16);
}

/** The files of a shard's folder: its manifest and one line per run. */
export function shardFiles(request: CompareRequestRecord, shard: Shard, cases: readonly number[], runs: readonly ChartedRun[]): Record<string, string> {
  const manifest: ShardManifest = { format: SHARD_FORMAT, formatVersion: SHARD_FORMAT_VERSION, request, requestId: requestId(request), shard, cases };
  return {
    [MANIFEST_FILE]: `${encodeJson(manifest, 2)}\n`,
    [RUNS_FILE]: runs.map((run) => `${encodeJson(run)}\n`).join(""),
  };
}

/**
 * JSON that keeps every number: NaN, ±Infinity and −0 (which plain JSON turns into null or 0) are written as
 * {"$number": "NaN"} and read back by decodeJson, so a merged report equals the unsharded one to the byte.
 */
export function encodeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "number" ? numberForJson(item) : item), indent);
}

function numberForJson(value: number): number | { $number: string } {
  if (Object.is(value, -0)) return { $number: "-0" }; // String(-0) is "0"
  return Number.isFinite(value) ? value : { $number: String(value) };
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return item;
    const keys = Object.keys(item);
    const tagged = (item as { $number?: unknown }).$number;
    return keys.length === 1 && typeof tagged === "string" ? Number(tagged) : item;
  });
}
