// The trace reader on small files written here: presets, windows, rate scale and time origins; every kind of
// bad row named by file, line and column; and rows handed out before the rest of the file is read.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { traceSpecOf } from "../../src/scenario/trace-spec.ts";
import { traceSchema } from "../../src/scenario/trace-schema.ts";
import { type TraceRow, TraceRows } from "../../src/trace/rows.ts";
import { TraceError } from "../../src/trace/trace-error.ts";

const folder = mkdtempSync(join(tmpdir(), "schedlab-trace-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const NAMES = { templates: ["chat", "code"], providers: ["p", "q"] };

let files = 0;
function traceFile(content: string | Uint8Array, extension = "csv"): string {
  files += 1;
  const file = join(folder, `trace-${files}.${extension}`);
  writeFileSync(file, content);
  return file;
}

function rowsOf(file: string, settings: Record<string, unknown> = { preset: "azure_llm" }): TraceRow[] {
  const spec = traceSpecOf("workload.trace", traceSchema.parse({ file, ...settings }), "chat", 1_000_000);
  const reader = new TraceRows(spec, NAMES);
  const rows: TraceRow[] = [];
  for (let row = reader.next(); row !== undefined; row = reader.next()) rows.push(row);
  return rows;
}

function errorOf(file: string, settings?: Record<string, unknown>): string {
  try {
    rowsOf(file, settings);
  } catch (error) {
    if (error instanceof TraceError) return error.message;
    throw error;
  }
  throw new Error("the trace was accepted");
}

const AZURE_HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens\n";

describe("trace rows", () => {
  it("reads ISO timestamps as absolute (the first row at 0), with the row's tokens and the default template", () => {
    const file = traceFile(`${AZURE_HEADER}2023-11-16 18:15:46.5000000,100,20\n2023-11-16 18:15:47.7500000,300,40\n`);
    expect(rowsOf(file)).toEqual([
      { line: 2, timeMs: 0, inputTokens: 100, outputTokens: 20, template: "chat", lane: undefined, tenant: undefined, provider: undefined },
      { line: 3, timeMs: 1250, inputTokens: 300, outputTokens: 40, template: "chat", lane: undefined, tenant: undefined, provider: undefined },
    ]);
  });

  it("honours time zones in ISO timestamps", () => {
    const file = traceFile(`${AZURE_HEADER}2024-01-01T10:00:00Z,1,1\n2024-01-01T11:30:00+01:00,1,1\n`);
    expect(rowsOf(file).map((row) => row.timeMs)).toEqual([0, 30 * 60_000]);
  });

  it("takes relative seconds as they are, then applies the window and the rate scale", () => {
    const file = traceFile("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n1,m,1,1,2,a\n5,m,2,2,4,a\n9,m,3,3,6,a\n12,m,4,4,8,a\n");
    const rows = rowsOf(file, { preset: "burstgpt", rate_scale: 2, window: { start_ms: 4000, end_ms: 12_000 } });
    expect(rows.map((row) => [row.timeMs, row.inputTokens])).toEqual([
      [500, 2],
      [2500, 3],
    ]);
  });

  it("reads the Mooncake JSONL layout in milliseconds, skipping blank lines", () => {
    const file = traceFile('{"timestamp": 0, "input_length": 10, "output_length": 2}\n\n{"timestamp": 250, "input_length": 20, "output_length": 3, "hash_ids": [1]}', "jsonl");
    expect(rowsOf(file, { preset: "mooncake" }).map((row) => [row.line, row.timeMs, row.inputTokens, row.outputTokens])).toEqual([
      [1, 0, 10, 2],
      [3, 250, 20, 3],
    ]);
  });

  it("maps optional columns to template, lane, tenant and provider", () => {
    const file = traceFile("t,in,out,kind,lane,who,where\n0,1,1,code,interactive,acme,q\n");
    const settings = { columns: { timestamp: "t", input_tokens: "in", output_tokens: "out", template: "kind", lane: "lane", tenant: "who", provider: "where" }, timestamp_unit: "ms" };
    expect(rowsOf(file, settings)[0]).toMatchObject({ template: "code", lane: "interactive", tenant: "acme", provider: "q" });
  });

  it("accepts a byte-order mark and quoted fields", () => {
    const file = traceFile(`\uFEFF${AZURE_HEADER}"2023-11-16 18:15:46",  "7",8\n`);
    expect(rowsOf(file).map((row) => row.inputTokens)).toEqual([7]);
  });
});

describe("bad traces name the file, the line and the column", () => {
  const cases: [string, string | Uint8Array, string][] = [
    ["a missing column", "TIMESTAMP,ContextTokens\n2023-11-16 18:15:46,1\n", ':1: no column "GeneratedTokens" in the header'],
    ["a bad number", `${AZURE_HEADER}2023-11-16 18:15:46,12x,1\n`, ':2: column "ContextTokens": not a whole number of tokens'],
    ["NaN spelled as text", `${AZURE_HEADER}2023-11-16 18:15:46,1,NaN\n`, ':2: column "GeneratedTokens": not a whole number'],
    ["Infinity spelled as text", `${AZURE_HEADER}2023-11-16 18:15:46,Infinity,1\n`, ':2: column "ContextTokens": not a whole number'],
    ["a negative count", `${AZURE_HEADER}2023-11-16 18:15:46,-3,1\n`, ':2: column "ContextTokens"'],
    ["a fraction of a token", `${AZURE_HEADER}2023-11-16 18:15:46,1.5,1\n`, ':2: column "ContextTokens"'],
    ["a bad timestamp", `${AZURE_HEADER}2023-11-16 18:15:46,1,1\nyesterday,1,1\n`, ':3: column "TIMESTAMP": not an ISO 8601 date-time (got "yesterday")'],
    ["a month 13", `${AZURE_HEADER}2023-13-16 18:15:46,1,1\n`, ':2: column "TIMESTAMP": not an ISO 8601'],
    ["time going back", `${AZURE_HEADER}2023-11-16 18:15:46,1,1\n2023-11-16 18:15:45,1,1\n`, ':3: column "TIMESTAMP": time goes back'],
    ["a short row", `${AZURE_HEADER}2023-11-16 18:15:46,1\n`, ":2: has 2 fields where the header has 3"],
    ["a broken quote", `${AZURE_HEADER}"2023-11-16 18:15:46"x,1,1\n`, ":2: Invalid Closing Quote"],
    ["bad UTF-8", new Uint8Array([...new TextEncoder().encode(`${AZURE_HEADER}2023-11-16 18:15:46,1,1\n`), 0x32, 0xff, 0x2c, 0x31, 0x0a]), ":3: is not UTF-8 text"],
    ["an empty file", "", ":1: is empty"],
    ["an over-long line", `${AZURE_HEADER}2023-11-16 18:15:46,${"1".repeat(1_100_000)},1\n`, ":2: is longer than"],
  ];
  it.each(cases)("%s", (_name, content, expected) => {
    const file = traceFile(content);
    expect(errorOf(file).startsWith(`${file}${expected}`), errorOf(file)).toBe(true);
  });

  it.each([
    ["not JSON", '{"timestamp": 0, "input_length": 1, "output_length": 1}\n{"timestamp": 1,\n', ":2: is not JSON"],
    ["not an object", "[1, 2, 3]\n", ":1: is not a JSON object"],
    ["a missing key", '{"timestamp": 0, "input_length": 1}\n', ':1: column "output_length": not a whole number of tokens from 0 to 100000000 (got nothing)'],
    ["a string timestamp", '{"timestamp": "soon", "input_length": 1, "output_length": 1}\n', ':1: column "timestamp": not a number of milliseconds (got "soon")'],
  ])("JSONL: %s", (_name, content, expected) => {
    const file = traceFile(content, "jsonl");
    expect(errorOf(file, { preset: "mooncake" }).startsWith(`${file}${expected}`)).toBe(true);
  });

  it("names a value that is no template, lane or provider, with what there is", () => {
    const file = traceFile("t,in,out,kind\n0,1,1,chta\n");
    expect(errorOf(file, { columns: { timestamp: "t", input_tokens: "in", output_tokens: "out", template: "kind" }, timestamp_unit: "ms" })).toBe(
      `${file}:2: column "kind": no template is named "chta" (have: "chat", "code")`,
    );
  });

  it("a missing file is one line naming it", () => {
    expect(errorOf(join(folder, "nowhere.csv"))).toBe(`${join(folder, "nowhere.csv")}: cannot be read (ENOENT)`);
  });
});

describe("streaming", () => {
  it("hands out the first rows before it has read the rest of the file", () => {
    const good = Array.from({ length: 20_000 }, (_, index) => `2023-11-16 18:15:${String(10 + (index % 40)).padStart(2, "0")},1,1\n`);
    // Sorted good rows first, then a bad one far past the first block: a reader that read everything first would fail at once.
    const lines = good.sort().join("");
    const file = traceFile(`${AZURE_HEADER}${lines}2023-11-16 18:15:50,bad,1\n`);
    const spec = traceSpecOf("workload.trace", traceSchema.parse({ file, preset: "azure_llm" }), "chat", 1_000_000);
    const reader = new TraceRows(spec, NAMES);
    expect(reader.next()?.line).toBe(2);
    expect(() => {
      for (let row = reader.next(); row !== undefined; row = reader.next());
    }).toThrow(`${file}:20002: column "ContextTokens"`);
  });

  it("stops at a line limit", () => {
    const file = traceFile(`${AZURE_HEADER}${"2023-11-16 18:15:46,1,1\n".repeat(10)}`);
    const spec = traceSpecOf("workload.trace", traceSchema.parse({ file, preset: "azure_llm" }), "chat", 5);
    const reader = new TraceRows(spec, NAMES);
    expect(() => {
      for (let row = reader.next(); row !== undefined; row = reader.next());
    }).toThrow(`${file}:6: the trace is longer than 5 lines (limits.max_trace_lines)`);
  });
});
