// The swept parameters of `schedlab sweep`: `--param PATH=v1,v2,...`, where PATH addresses a value of the
// scenario document (`arrivals.rate_per_second`, `providers[fast].max_concurrent`: a list element by its
// `name` or by index). A path is checked against the scenario it sweeps before any run, so a typo is named
// with what was meant, not found as a run that ignored it.

import { quote } from "../scenario/problems.ts";
import { isRecord } from "../scenario/schema-paths.ts";
import { didYouMean, haveList } from "../scenario/suggest.ts";

/** A --param the scenario cannot take; the message starts with the --param as written. */
export class SweepParameterError extends Error {
  override name = "SweepParameterError";
}

/** More values than this in one --param is a mistake (a pasted list), not a sweep. */
export const PARAMETER_VALUES_MAX = 1000;

export type PathStep = { readonly kind: "field"; readonly name: string } | { readonly kind: "element"; readonly selector: string };

export interface SweepParameter {
  /** The path as written, e.g. `providers[fast].max_concurrent`. */
  readonly path: string;
  readonly steps: readonly PathStep[];
  /** Each value as JSON: `4` is a number, `true` a boolean, `retry_after` (not JSON) a string. */
  readonly values: readonly unknown[];
}

/** Where a path lands in one document: the object or list holding the value, and the key in it. */
export type DocumentKey = readonly (string | number)[];

/** Parses `PATH=v1,v2,...`. Values split at commas outside brackets, braces and strings, so `{"a":1,"b":2}` is one value. */
export function parseParameter(text: string): SweepParameter {
  const equals = text.indexOf("=");
  if (equals < 0) throw new SweepParameterError(`--param ${text}: expected PATH=v1,v2,... (e.g. arrivals.rate_per_second=1,2,4)`);
  const path = text.slice(0, equals).trim();
  const steps = parsePath(path);
  const tokens = splitValues(text.slice(equals + 1));
  if (tokens.some((token) => token.trim() === "")) throw new SweepParameterError(`--param ${path}: a value is empty (got "${text.slice(equals + 1)}")`);
  if (tokens.length > PARAMETER_VALUES_MAX) throw new SweepParameterError(`--param ${path}: ${tokens.length} values, more than ${PARAMETER_VALUES_MAX}`);
  const values = tokens.map((token) => parseValue(token.trim()));
  const seen = new Set<string>();
  for (const value of values) {
    const key = JSON.stringify(value);
    if (seen.has(key)) throw new SweepParameterError(`--param ${path}: value ${formatValue(value)} is given twice`);
    seen.add(key);
  }
  return { path, steps, values };
}

function parseValue(token: string): unknown {
  try {
    return JSON.parse(token) as unknown;
  } catch {
    return token;
  }
}

/** A value as a user wrote it: strings bare, anything else as JSON. */
export function formatValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function parsePath(path: string): PathStep[] {
  const steps: PathStep[] = [];
  const pattern = /\.?([A-Za-z_$][\w$-]*)|\[([^\]]+)\]/y;
  let offset = 0;
  while (offset < path.length) {
    pattern.lastIndex = offset;
    const match = pattern.exec(path);
    const leadingDot = match?.[0].startsWith(".") === true;
    if (match === null || (offset === 0 && leadingDot) || (offset > 0 && match[1] !== undefined && !leadingDot)) {
      throw new SweepParameterError(`--param ${path}: cannot read the path at "${path.slice(offset)}" (write it as a.b, a[name].b or a[0].b)`);
    }
    steps.push(match[1] !== undefined ? { kind: "field", name: match[1] } : { kind: "element", selector: (match[2] as string).trim() });
    offset = pattern.lastIndex;
  }
  if (steps.length === 0) throw new SweepParameterError(`--param ${path === "" ? '""' : path}: no path before "="`);
  return steps;
}

/** The values of `v1,v2,...`: split at commas outside brackets, braces and JSON strings. */
export function splitValues(text: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (inString) {
      if (character === "\\") index += 1;
      else if (character === '"') inString = false;
    } else if (character === '"') inString = true;
    else if (character === "[" || character === "{") depth += 1;
    else if (character === "]" || character === "}") depth -= 1;
    else if (character === "," && depth === 0) {
      tokens.push(text.slice(start, index));
      start = index + 1;
    }
  }
  tokens.push(text.slice(start));
  return tokens;
}

/**
 * The concrete keys a parameter's path names in `document` (names of list elements turned into indexes). The
 * last field may be missing (setting it adds it, and the scenario check judges it); anything before must exist.
 */
export function locate(document: unknown, parameter: SweepParameter): DocumentKey {
  const keys: (string | number)[] = [];
  let node = document;
  let where = "";
  let listName = "";
  parameter.steps.forEach((step, index) => {
    const last = index === parameter.steps.length - 1;
    const fail = (problem: string): never => {
      throw new SweepParameterError(`--param ${parameter.path}: ${problem}`);
    };
    const subject = where === "" ? "the scenario" : where;
    if (step.kind === "field") {
      if (!isRecord(node)) fail(`${subject} is ${kindOf(node)}, not an object with fields`);
      const record = node as Record<string, unknown>;
      if (!last && !(step.name in record)) fail(`${subject} has no field ${quote(step.name)}${didYouMean(step.name, Object.keys(record))}`);
      keys.push(step.name);
      node = record[step.name];
      where = where === "" ? step.name : `${where}.${step.name}`;
      listName = step.name;
      return;
    }
    if (!Array.isArray(node)) fail(`${subject} is ${kindOf(node)}, not a list`);
    const list = node as unknown[];
    const position = elementIndex(list, step.selector, listName, fail);
    keys.push(position);
    node = list[position];
    where = `${where}[${step.selector}]`;
  });
  return keys;
}

function elementIndex(list: readonly unknown[], selector: string, listName: string, fail: (problem: string) => never): number {
  if (/^\d+$/.test(selector)) {
    const position = Number(selector);
    if (position >= list.length) fail(`index ${position} is past the end of ${listName} (${list.length} elements)`);
    return position;
  }
  const names = list.flatMap((element) => (isRecord(element) && typeof element.name === "string" ? [element.name] : []));
  const position = list.findIndex((element) => isRecord(element) && element.name === selector);
  if (position < 0) {
    const hint = didYouMean(selector, names);
    fail(`no ${singular(listName)} is named ${quote(selector)}${hint === "" ? ` ${haveList(names)}` : hint}`);
  }
  return position;
}

/** `providers` → `provider`, `policies` → `policy`: the element of a list as a message names it. */
function singular(listName: string): string {
  if (listName.endsWith("ies")) return `${listName.slice(0, -3)}y`;
  if (listName.endsWith("s")) return listName.slice(0, -1);
  return `element of ${listName}`;
}

function kindOf(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A copy of `document` with `value` at `key`; the document itself is left as it was. */
export function withValue(document: unknown, key: DocumentKey, value: unknown): unknown {
  const [head, ...rest] = key;
  if (head === undefined) return value;
  const copy: unknown = Array.isArray(document) ? [...(document as unknown[])] : { ...(document as Record<string, unknown>) };
  const container = copy as Record<string | number, unknown>;
  container[head] = withValue(container[head], rest, value);
  return copy;
}

/** Two parameters where one's path lies inside the other's would overwrite each other. */
export function overlapping(parameters: readonly SweepParameter[], keys: readonly DocumentKey[]): [string, string] | undefined {
  for (let first = 0; first < keys.length; first += 1) {
    for (let second = first + 1; second < keys.length; second += 1) {
      const a = keys[first] as DocumentKey;
      const b = keys[second] as DocumentKey;
      const shorter = a.length <= b.length ? a : b;
      const longer = shorter === a ? b : a;
      if (shorter.every((part, index) => longer[index] === part)) {
        return [(parameters[first] as SweepParameter).path, (parameters[second] as SweepParameter).path];
      }
    }
  }
  return undefined;
}
