// Malformed trace files for the fuzz harness: a valid scenario whose workload.trace names a trace (CSV in the
// Azure layout, or Mooncake JSONL) that one change breaks: a truncated or over-long line, bad UTF-8, a value
// of the wrong type, NaN and Infinity spelled as text, huge counts, time going back, a missing column, a line
// that is not JSON. The message must name the trace's path in the scenario (and, inside it, file:line).

import fc from "fast-check";
import { MAX_LINE_BYTES } from "../../src/trace/lines.ts";
import { minimalScenarioFile } from "../helpers.ts";
import type { FuzzCase, InputKind } from "./input-kinds.ts";

const encoder = new TextEncoder();

interface Row {
  readonly timeMs: number;
  readonly input: number;
  readonly output: number;
}

const rows = fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 5000 }), input: fc.integer({ min: 0, max: 50_000 }), output: fc.integer({ min: 0, max: 4000 }) }), { minLength: 1, maxLength: 30 }).map((drawn) => {
  let timeMs = Date.UTC(2024, 0, 1);
  return drawn.map((row): Row => ({ timeMs: (timeMs += row.gapMs), input: row.input, output: row.output }));
});

type Format = "csv" | "jsonl";
type Field = "timestamp" | "input" | "output";

const isoOf = (ms: number): string => new Date(ms).toISOString().replace("T", " ").replace("Z", "0000");
const CSV_HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens";
const COLUMN: Readonly<Record<Format, Readonly<Record<Field, string>>>> = {
  csv: { timestamp: "TIMESTAMP", input: "ContextTokens", output: "GeneratedTokens" },
  jsonl: { timestamp: "timestamp", input: "input_length", output: "output_length" },
};

/** The trace's lines (header included for CSV), with `replace` giving a field's text in place of its value. */
function traceLines(format: Format, trace: readonly Row[], replace: (index: number, field: Field) => string | undefined = () => undefined): string[] {
  const start = trace[0]?.timeMs ?? 0;
  return [
    ...(format === "csv" ? [CSV_HEADER] : []),
    ...trace.map((row, index) => {
      const timestamp = replace(index, "timestamp") ?? (format === "csv" ? isoOf(row.timeMs) : String(row.timeMs - start));
      const input = replace(index, "input") ?? String(row.input);
      const output = replace(index, "output") ?? String(row.output);
      if (format === "csv") return `${timestamp},${input},${output}`;
      return `{"timestamp": ${timestamp}, "input_length": ${input}, "output_length": ${output}}`;
    }),
  ];
}

function fuzzCase(description: string, format: Format, bytes: Uint8Array): FuzzCase {
  const scenario = minimalScenarioFile();
  delete scenario.arrivals;
  delete scenario.stop;
  const trace = `trace.${format}`;
  scenario.workload = { trace: { file: trace, preset: format === "csv" ? "azure_llm" : "mooncake" } };
  return {
    description,
    files: [
      { name: "scenario.json", bytes: encoder.encode(JSON.stringify(scenario)) },
      { name: trace, bytes },
    ],
    mainFile: "scenario.json",
    argv: ["run", "scenario.json"],
    path: "workload.trace",
  };
}

const format = fc.constantFrom<Format>("csv", "jsonl");
const field = fc.constantFrom<Field>("timestamp", "input", "output");
const text = (lines: readonly string[], newlineAtEnd: boolean): Uint8Array => encoder.encode(lines.join("\n") + (newlineAtEnd ? "\n" : ""));
/** The line of row `index` (a CSV's header comes first). */
const lineOf = (chosen: Format, index: number): number => index + (chosen === "csv" ? 1 : 0);

const BAD_VALUES = ['"NaN"', '"Infinity"', '"-Infinity"', "NaN", "Infinity", "1e400", "-1", "1.5", "abc", '""', "null", "true", "[1]", '{"a":1}', "0x10", "100000001", "9".repeat(400)];

/** Numbers that are fine as a JSONL trace's relative timestamp (before the window, or at some time): no case. */
const FINE_AS_TIMESTAMP = new Set(["-1", "1.5", "100000001"]);

const wrongValue = fc
  .tuple(format, rows, fc.nat(), field, fc.constantFrom(...BAD_VALUES), fc.boolean())
  .filter(([chosen, , , column, value]) => !(chosen === "jsonl" && column === "timestamp" && FINE_AS_TIMESTAMP.has(value)))
  .map(([chosen, trace, at, column, value, end]) => {
  const index = at % trace.length;
  // A CSV field holds text: the JSON spellings are unquoted there, and "" is an empty field.
  const written = chosen === "csv" ? value.replace(/^"(.*)"$/, "$1") : value;
  const lines = traceLines(chosen, trace, (row, name) => (row === index && name === column ? written : undefined));
  return fuzzCase(`${chosen}: ${COLUMN[chosen][column]} of row ${index} is ${value}`, chosen, text(lines, end));
});

const timeGoesBack = fc.tuple(format, rows.filter((trace) => trace.length >= 2), fc.nat(), fc.integer({ min: 1, max: 100_000 })).map(([chosen, trace, at, backMs]) => {
  const index = 1 + (at % (trace.length - 1));
  const earlier = (trace[index - 1] as Row).timeMs - backMs;
  const start = (trace[0] as Row).timeMs;
  const lines = traceLines(chosen, trace, (row, name) => (row === index && name === "timestamp" ? (chosen === "csv" ? isoOf(earlier) : String(earlier - start)) : undefined));
  return fuzzCase(`${chosen}: row ${index} is ${backMs} ms before the row above`, chosen, text(lines, true));
});

const truncatedLine = fc.tuple(format, rows, fc.nat(), fc.nat()).map(([chosen, trace, at, cut]) => {
  const lines = traceLines(chosen, trace);
  const line = lineOf(chosen, at % trace.length);
  const original = lines[line] as string;
  // Cut before the last field's separator: a CSV row loses a field, a JSON line its closing brace.
  // At least a character stays: an empty line is skipped, not an error.
  const keep = 1 + (cut % ((chosen === "csv" ? original.lastIndexOf(",") : original.length - 1) - 1));
  lines[line] = original.slice(0, keep);
  return fuzzCase(`${chosen}: line ${line + 1} cut to ${keep} characters`, chosen, text(lines, at % 2 === 0));
});

const BAD_BYTES: readonly (readonly number[])[] = [[0xff], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xe2, 0x82, 0x2c]];

const badEncoding = fc.tuple(format, rows, fc.nat(), fc.nat(BAD_BYTES.length - 1)).map(([chosen, trace, at, kind]) => {
  const lines = traceLines(chosen, trace);
  const line = lineOf(chosen, at % trace.length);
  const before = encoder.encode(lines.slice(0, line).map((entry) => `${entry}\n`).join(""));
  const after = encoder.encode(lines.slice(line).join("\n"));
  const bytes = new Uint8Array([...before, ...(BAD_BYTES[kind] as readonly number[]), ...after]);
  return fuzzCase(`${chosen}: bytes ${JSON.stringify(BAD_BYTES[kind])} at the start of line ${line + 1}`, chosen, bytes);
});

const overLongLine = fc.tuple(format, rows, fc.nat()).map(([chosen, trace, at]) => {
  const index = at % trace.length;
  const lines = traceLines(chosen, trace, (row, name) => (row === index && name === "input" ? "1".repeat(MAX_LINE_BYTES + 1) : undefined));
  return fuzzCase(`${chosen}: row ${index} is longer than ${MAX_LINE_BYTES} bytes`, chosen, text(lines, true));
});

const missingColumn = fc.tuple(rows, field).map(([trace, column]) => {
  const lines = traceLines("csv", trace);
  lines[0] = CSV_HEADER.replace(COLUMN.csv[column], `${COLUMN.csv[column]}x`);
  return fuzzCase(`csv: the header names no ${COLUMN.csv[column]}`, "csv", text(lines, true));
});

const notJson = fc.tuple(rows, fc.nat(), fc.constantFrom("[1, 2]", "42", "null", "not json", '{"timestamp": 0,', '"text"')).map(([trace, at, line]) => {
  const lines = traceLines("jsonl", trace);
  lines[at % lines.length] = line;
  return fuzzCase(`jsonl: line ${(at % lines.length) + 1} is ${line}`, "jsonl", text(lines, true));
});

export const traceInput: InputKind = {
  name: "trace",
  cases: fc.oneof(wrongValue, timeGoesBack, truncatedLine, badEncoding, missingColumn, notJson, { arbitrary: overLongLine, weight: 1 }),
};
