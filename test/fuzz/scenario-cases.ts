// Malformed scenario files for the fuzz harness, each made from a shipped scenario by one change that makes
// it invalid: wrong types, NaN and Infinity spelled as strings, numbers out of range (huge and tiny), missing
// and unknown fields, truncation, bad encodings, deep nesting, over-long lines, cycles in `extends`, and
// documents that are not an object. Where a change is invalid only in some places (a number out of range, a
// field removed), the committed JSON Schema, read by Ajv, decides that it is: the loader must then refuse it
// too, so the suite also finds any place where the schema editors see is stricter than schedlab itself.

import { readFileSync, readdirSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { formatPath } from "../../src/scenario/problems.ts";
import type { FuzzCase, InputKind } from "./input-kinds.ts";

interface Base {
  readonly name: string;
  readonly document: Record<string, unknown>;
  /** Every value inside the document (the root excepted), with its path. */
  readonly spots: readonly Spot[];
}

interface Spot {
  readonly parts: readonly (string | number)[];
  readonly value: unknown;
}

const SCENARIOS = "scenarios";
const BASES: readonly Base[] = readdirSync(SCENARIOS)
  .filter((name) => name.endsWith(".json") && name !== "schema.json")
  .sort()
  .map((name) => {
    const document = JSON.parse(readFileSync(`${SCENARIOS}/${name}`, "utf8")) as Record<string, unknown>;
    return { name, document, spots: spotsOf(document, []) };
  });

const schemaAccepts = new Ajv2020({ allErrors: false, strict: true }).compile(JSON.parse(readFileSync(`${SCENARIOS}/schema.json`, "utf8")) as object);

function spotsOf(value: unknown, parts: readonly (string | number)[]): Spot[] {
  const here: Spot[] = parts.length === 0 ? [] : [{ parts, value }];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, index) => spotsOf(item, [...parts, index]))];
  if (value !== null && typeof value === "object") return [...here, ...Object.entries(value).flatMap(([key, item]) => spotsOf(item, [...parts, key]))];
  return here;
}

const RAW = "@@raw-json@@";
const encoder = new TextEncoder();

/** The base with the value at `parts` replaced (or, for REMOVE, deleted), as JSON text. */
function edited(base: Base, parts: readonly (string | number)[], value: unknown, compact: boolean): { document: unknown; text: string } {
  const document = structuredClone(base.document) as Record<string | number, unknown>;
  let parent = document;
  for (const part of parts.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
  const last = parts[parts.length - 1] as string | number;
  if (value === REMOVE) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    parent[last] = value;
  }
  return { document, text: JSON.stringify(document, null, compact ? undefined : 2) };
}

const REMOVE = Symbol("remove");

function single(description: string, text: string | Uint8Array, path: string): FuzzCase {
  return { description, files: [{ name: "case.json", bytes: typeof text === "string" ? encoder.encode(text) : text }], mainFile: "case.json", argv: ["run", "case.json"], path };
}

const base = fc.nat(BASES.length - 1).map((index) => BASES[index] as Base);
const spotOf = (candidates: (spot: Spot) => boolean) =>
  fc.tuple(base, fc.nat()).map(([chosen, pick]) => {
    const spots = chosen.spots.filter(candidates);
    return { base: chosen, spot: spots[pick % spots.length] as Spot };
  });

const typeOf = (value: unknown): string => (Array.isArray(value) ? "array" : value === null ? "null" : typeof value);

/** Values of a type no position holding a value of the given type accepts (a number's place takes an object: a distribution). */
const WRONG_TYPES: Readonly<Record<string, readonly unknown[]>> = {
  number: ["4", "", true, null, [], [1]],
  string: [3, 0, true, null, [], {}],
  boolean: [0, "true", null, [], {}],
  object: [null, true, false, [], [{}]],
  array: [null, true, {}, 0, "[]"],
};

const wrongType = fc.tuple(spotOf(() => true), fc.nat(), fc.boolean()).map(([{ base: chosen, spot }, pick, compact]) => {
  const choices = WRONG_TYPES[typeOf(spot.value)] as readonly unknown[];
  const value = choices[pick % choices.length];
  return single(`${chosen.name}: ${formatPath(spot.parts)} = ${JSON.stringify(value)}`, edited(chosen, spot.parts, value, compact).text, formatPath(spot.parts));
});

const numberAsString = fc.tuple(spotOf((spot) => typeof spot.value === "number"), fc.constantFrom("NaN", "Infinity", "-Infinity", "1e400", "nan", "inf", "0x10", "1_000")).map(
  ([{ base: chosen, spot }, spelled]) => single(`${chosen.name}: ${formatPath(spot.parts)} = "${spelled}"`, edited(chosen, spot.parts, spelled, false).text, formatPath(spot.parts)),
);

/** A JSON number literal too large for a double (it parses as ±Infinity), up to 200,000 digits on one line. */
const infiniteLiteral = fc.tuple(spotOf((spot) => typeof spot.value === "number"), fc.oneof(fc.constantFrom("1e400", "-1e400", "1e99999"), fc.integer({ min: 310, max: 200_000 }).map((digits) => "9".repeat(digits)))).map(
  ([{ base: chosen, spot }, literal]) =>
    single(`${chosen.name}: ${formatPath(spot.parts)} = ${literal.slice(0, 12)}… (${literal.length} characters)`, edited(chosen, spot.parts, RAW, true).text.replace(`"${RAW}"`, literal), formatPath(spot.parts)),
);

/** Numbers that break some range somewhere; kept only where the schema says they break this one. */
const outOfRange = fc
  .tuple(spotOf((spot) => typeof spot.value === "number"), fc.constantFrom(-1, -0.5, 0, 0.5, 1.5, 1e308, -1e308, 5e-324, 2 ** 53 + 2, 1e21, 10_001, 101, 1001))
  .map(([{ base: chosen, spot }, value]) => {
    const { document, text } = edited(chosen, spot.parts, value, false);
    return schemaAccepts(document) ? undefined : single(`${chosen.name}: ${formatPath(spot.parts)} = ${value}`, text, formatPath(spot.parts));
  });

/** A field removed, kept only where the schema requires it. */
const missingField = spotOf((spot) => typeof spot.parts[spot.parts.length - 1] === "string").map(({ base: chosen, spot }) => {
  const { document, text } = edited(chosen, spot.parts, REMOVE, false);
  return schemaAccepts(document) ? undefined : single(`${chosen.name}: ${formatPath(spot.parts)} removed`, text, formatPath(spot.parts));
});

/** A misspelt or invented field in an object, kept only where the object has a fixed set of fields. */
const unknownField = fc.tuple(spotOf((spot) => typeOf(spot.value) === "object"), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 100_000 })).map(([{ base: chosen, spot }, pick, at, length]) => {
  const keys = Object.keys(spot.value as object);
  const key = keys[pick % Math.max(1, keys.length)] ?? "field";
  const variants = [key.slice(0, at % key.length) + key.slice((at % key.length) + 1), `${key}s`, key.replace(/_/g, ""), `x${"y".repeat(length)}`, `${key}\n`];
  const misspelt = variants[at % variants.length] as string;
  const { document, text } = edited(chosen, [...spot.parts, misspelt], 1, length % 2 === 0);
  if (schemaAccepts(document) || Object.hasOwn(spot.value as object, misspelt)) return undefined;
  return single(`${chosen.name}: ${formatPath(spot.parts)} gets field ${JSON.stringify(misspelt.slice(0, 30))}`, text, formatPath(spot.parts));
});

/** Cut off anywhere before the closing brace. */
const truncated = fc.tuple(base, fc.nat()).map(([chosen, at]) => {
  const text = JSON.stringify(chosen.document, null, 2);
  const end = at % text.lastIndexOf("}");
  return single(`${chosen.name}: cut at ${end} of ${text.length}`, text.slice(0, end), "");
});

const BAD_BYTES: readonly (readonly number[])[] = [[0xff], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x00]];

/** Bytes that are not UTF-8 (or a NUL) inserted anywhere, or the whole file in UTF-16. */
const badEncoding = fc.tuple(base, fc.nat(), fc.nat(BAD_BYTES.length + 1)).map(([chosen, at, kind]) => {
  const text = JSON.stringify(chosen.document, null, 2);
  if (kind >= BAD_BYTES.length) {
    const littleEndian = kind === BAD_BYTES.length;
    const bytes = new Uint8Array(2 + text.length * 2);
    bytes.set(littleEndian ? [0xff, 0xfe] : [0xfe, 0xff]);
    for (let index = 0; index < text.length; index += 1) {
      const code = text.charCodeAt(index);
      bytes.set(littleEndian ? [code & 0xff, code >> 8] : [code >> 8, code & 0xff], 2 + index * 2);
    }
    return single(`${chosen.name}: UTF-16${littleEndian ? "LE" : "BE"}`, bytes, "");
  }
  const utf8 = encoder.encode(text);
  const offset = at % (utf8.length + 1);
  const inserted = BAD_BYTES[kind] as readonly number[];
  const bytes = new Uint8Array([...utf8.subarray(0, offset), ...inserted, ...utf8.subarray(offset)]);
  return single(`${chosen.name}: bytes ${inserted.map((byte) => byte.toString(16)).join(" ")} at ${offset}`, bytes, "");
});

/** A value replaced by arrays or objects nested 65 to 20,000 deep. */
const deepNesting = fc.tuple(spotOf(() => true), fc.integer({ min: 65, max: 20_000 }), fc.boolean()).map(([{ base: chosen, spot }, depth, arrays]) => {
  const nested = arrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  const text = edited(chosen, spot.parts, RAW, false).text.replace(`"${RAW}"`, nested);
  return single(`${chosen.name}: ${formatPath(spot.parts)} nested ${depth} deep`, text, formatPath(spot.parts));
});

/** A control character unescaped inside a string: not JSON. */
const controlCharacter = fc.tuple(base, fc.nat(), fc.constantFrom("\u0001", "\t", "\n", "\u001f")).map(([chosen, at, character]) => {
  const text = JSON.stringify(chosen.document, null, 2);
  const quotes = [...text.matchAll(/"[^"\\\n]+"/g)].map((match) => match.index);
  const where = (quotes[at % quotes.length] ?? 0) + 1;
  return single(`${chosen.name}: ${JSON.stringify(character)} raw at ${where}`, text.slice(0, where) + character + text.slice(where), "");
});

const notAnObject = fc.constantFrom("", "   \n", "null", "[]", "42", '"scenario"', "true", "[{}]", "{}garbage", "\uFEFF").map((text) => single(`the file is ${JSON.stringify(text)}`, text, ""));

/** A chain of 1 to 5 files whose last extends the first. */
const extendsCycle = fc.integer({ min: 1, max: 5 }).map((length): FuzzCase => {
  const files = Array.from({ length }, (_, index) => ({
    name: `cycle-${index}.json`,
    bytes: encoder.encode(JSON.stringify({ extends: `./cycle-${(index + 1) % length}.json`, name: `cycle-${index}` })),
  }));
  return { description: `extends cycle of ${length}`, files, mainFile: "cycle-0.json", argv: ["run", "cycle-0.json"], path: "extends" };
});

const defined = <T>(value: T | undefined): value is T => value !== undefined;

export const scenarioInput: InputKind = {
  name: "scenario",
  cases: fc.oneof(
    wrongType,
    numberAsString,
    infiniteLiteral,
    outOfRange.filter(defined),
    missingField.filter(defined),
    unknownField.filter(defined),
    truncated,
    badEncoding,
    deepNesting,
    controlCharacter,
    notAnObject,
    extendsCycle,
  ),
};
