// `extends`: a scenario file builds on another and overrides some of its fields. The base is read first
// (its own `extends` too), then the file is merged over it:
// - objects merge field by field, recursively; a field set to null is removed (as in JSON Merge Patch, RFC 7396);
// - lists of named entries (providers, templates, policies: every entry an object with a "name") merge by
//   name: an entry whose name the base has is merged into that entry, in the base's place; a new name is
//   appended; `{ "name": "x", "$remove": true }` removes the base's entry "x";
// - any other value (numbers, strings, other lists) replaces the base's.
// Every value remembers the file it came from, so a problem in an inherited value names its file.

import { dirname, join, resolve } from "node:path";
import { readJsonFile } from "./json-file.ts";
import { type Problem, formatPath, quote } from "./problems.ts";
import { isRecord } from "./schema-paths.ts";
import { didYouMean } from "./suggest.ts";

/** A chain longer than this is a mistake (or a cycle through symbolic links), not a design. */
export const EXTENDS_DEPTH_MAX = 16;

/** Which file each part of a merged document came from; a part without children came whole from `file`. */
export interface OriginTree {
  readonly file: string;
  readonly children?: ReadonlyMap<PropertyKey, OriginTree>;
}

export interface Resolved {
  /** The merged document, without `extends`. */
  readonly document: unknown;
  readonly origins: OriginTree;
  /** Problems of the chain itself (unreadable base, cycle, bad `$remove`); empty when it resolved. */
  readonly problems: readonly Problem[];
}

/** The file that set the value at `path` (or, for a missing value, the object that lacks it). */
export function originOf(origins: OriginTree, path: readonly PropertyKey[]): string {
  let node = origins;
  for (const part of path) {
    const child = node.children?.get(part);
    if (child === undefined) break;
    node = child;
  }
  return node.file;
}

/** Resolves the `extends` chain of a document read from `file`. */
export function resolveExtends(file: string, document: unknown, chain: readonly string[] = []): Resolved {
  const whole: OriginTree = { file };
  if (!isRecord(document) || typeof document.extends !== "string") return { document, origins: whole, problems: [] };
  const { extends: baseName, ...own } = document;
  const baseFile = join(dirname(file), baseName);
  const visited = [...chain, file];
  const failed = (message: string): Resolved => ({ document: own, origins: whole, problems: [{ path: "extends", message, origin: file }] });
  const cycleStart = visited.findIndex((seen) => resolve(seen) === resolve(baseFile));
  if (cycleStart >= 0) return failed(`extends cycle: ${[...visited.slice(cycleStart), baseFile].join(" → ")}`);
  if (visited.length >= EXTENDS_DEPTH_MAX) return failed(`more than ${EXTENDS_DEPTH_MAX} files in the extends chain: ${visited.join(" → ")} → …`);
  const read = readJsonFile(baseFile);
  if (!read.ok) return failed(`${quote(baseName)}: ${baseFile}: ${read.path === "" ? "" : `${read.path}: `}${read.problem}`);
  if (!isRecord(read.value)) return failed(`${baseFile} is not a JSON object, so it cannot be extended`);
  const base = resolveExtends(baseFile, read.value, visited);
  const problems: Problem[] = [...base.problems];
  const merged = mergeValue(base.document, base.origins, own, file, [], problems);
  return { document: merged.value, origins: merged.origins, problems };
}

interface Merged {
  readonly value: unknown;
  readonly origins: OriginTree;
}

function mergeValue(base: unknown, baseOrigins: OriginTree, override: unknown, file: string, path: PropertyKey[], problems: Problem[]): Merged {
  if (isRecord(base) && isRecord(override)) return mergeObject(base, baseOrigins, override, file, path, problems);
  if (isNamedList(base) && isNamedList(override)) return mergeNamedList(base, baseOrigins, override, file, path, problems);
  return { value: override, origins: { file } };
}

function mergeObject(
  base: Record<string, unknown>,
  baseOrigins: OriginTree,
  override: Record<string, unknown>,
  file: string,
  path: PropertyKey[],
  problems: Problem[],
): Merged {
  const value: Record<string, unknown> = { ...base };
  const children = new Map<PropertyKey, OriginTree>();
  for (const key of Object.keys(base)) children.set(key, childOrigins(baseOrigins, key));
  for (const [key, item] of Object.entries(override)) {
    if (item === null) {
      delete value[key];
      children.delete(key);
      continue;
    }
    const merged = Object.hasOwn(base, key) ? mergeValue(base[key], childOrigins(baseOrigins, key), item, file, [...path, key], problems) : { value: item, origins: { file } };
    value[key] = merged.value;
    children.set(key, merged.origins);
  }
  return { value, origins: { file, children } };
}

type Named = Record<string, unknown> & { name: string };

function mergeNamedList(base: readonly Named[], baseOrigins: OriginTree, override: readonly Named[], file: string, path: PropertyKey[], problems: Problem[]): Merged {
  const entries: { value: unknown; origins: OriginTree; name: string }[] = base.map((entry, index) => ({ value: entry, origins: childOrigins(baseOrigins, index), name: entry.name }));
  override.forEach((entry, index) => {
    const at = entries.findIndex((candidate) => candidate.name === entry.name);
    if (entry.$remove !== undefined) {
      const where = formatPath([...path, index]);
      if (entry.$remove !== true || Object.keys(entry).length !== 2) {
        problems.push({ path: where, message: `an entry that removes takes only "name" and "$remove": true (got ${Object.keys(entry).join(", ")})`, origin: file });
      } else if (at < 0) {
        const names = entries.map((candidate) => candidate.name);
        problems.push({ path: `${where}.name`, message: `the base has no entry named ${quote(entry.name)} to remove${didYouMean(entry.name, names)}`, origin: file });
      } else {
        entries.splice(at, 1);
      }
      return;
    }
    if (at < 0) {
      entries.push({ value: entry, origins: { file }, name: entry.name });
      return;
    }
    const current = entries[at] as (typeof entries)[number];
    const merged = mergeValue(current.value, current.origins, entry, file, [...path, at], problems);
    entries[at] = { value: merged.value, origins: merged.origins, name: entry.name };
  });
  return { value: entries.map((entry) => entry.value), origins: { file, children: new Map(entries.map((entry, index) => [index, entry.origins])) } };
}

function isNamedList(value: unknown): value is Named[] {
  return Array.isArray(value) && value.length > 0 && value.every((entry) => isRecord(entry) && typeof entry.name === "string");
}

function childOrigins(origins: OriginTree, key: PropertyKey): OriginTree {
  return origins.children?.get(key) ?? { file: origins.file };
}
