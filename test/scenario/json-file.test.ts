// Bytes to JSON: strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), the BOM
// dropped, UTF-16 and NUL named, nesting bounded before parsing, syntax errors with line and column.

import { describe, expect, it } from "vitest";
import { NESTING_DEPTH_MAX, decodeUtf8, parseJsonText } from "../../src/scenario/json-file.ts";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const text = (value: string): Uint8Array => new TextEncoder().encode(value);

describe("decodeUtf8", () => {
  it("accepts UTF-8, multi-byte characters included, and drops a byte-order mark", () => {
    expect(decodeUtf8(text('{"a":"café ☕ 𝄞"}'))).toEqual({ ok: true, value: '{"a":"café ☕ 𝄞"}' });
    expect(decodeUtf8(bytes(0xef, 0xbb, 0xbf, 0x7b, 0x7d))).toEqual({ ok: true, value: "{}" });
  });

  it.each([
    ["a lone continuation byte", [0x7b, 0x80, 0x7d], 1],
    ["an overlong '/'", [0x7b, 0xc0, 0xaf], 1],
    ["an overlong three-byte form", [0x20, 0x20, 0xe0, 0x80, 0xaf], 2],
    ["a UTF-16 surrogate", [0xed, 0xa0, 0x80], 0],
    ["a code point past U+10FFFF", [0xf4, 0x90, 0x80, 0x80], 0],
    ["a sequence cut short", [0x7b, 0xe2, 0x82], 1],
    ["0xff", [0x0a, 0x0a, 0xff], 2],
  ])("refuses %s, naming the byte and its position", (_name, values, offset) => {
    const read = decodeUtf8(bytes(...values));
    expect(read.ok).toBe(false);
    if (read.ok) return;
    const byte = (values[offset] as number).toString(16).padStart(2, "0");
    expect(read.problem).toMatch(new RegExp(`^is not valid UTF-8: byte 0x${byte} on line \\d+ \\(byte ${offset} of the file\\); save it as UTF-8$`));
  });

  it("names UTF-16 by its byte-order mark, and a NUL byte by its offset", () => {
    expect(decodeUtf8(bytes(0xff, 0xfe, 0x7b, 0x00))).toMatchObject({ ok: false, problem: expect.stringContaining("UTF-16") });
    expect(decodeUtf8(bytes(0xfe, 0xff, 0x00, 0x7b))).toMatchObject({ ok: false, problem: expect.stringContaining("UTF-16") });
    expect(decodeUtf8(bytes(0x7b, 0x00, 0x7d))).toMatchObject({ ok: false, problem: expect.stringContaining("NUL byte at byte 1") });
  });
});

describe("parseJsonText", () => {
  it("accepts nesting up to the limit and refuses one level more, naming the path", () => {
    const nested = (depth: number): string => `{"a":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;
    expect(parseJsonText(nested(NESTING_DEPTH_MAX)).ok).toBe(true);
    expect(parseJsonText(nested(NESTING_DEPTH_MAX + 1))).toEqual({ ok: false, path: `a${"[0]".repeat(NESTING_DEPTH_MAX - 2)}`.slice(0, 80) + "…", problem: `nested more than ${NESTING_DEPTH_MAX} levels deep at line 1, column ${5 + NESTING_DEPTH_MAX}` });
  });

  it("ignores brackets inside strings when counting depth", () => {
    expect(parseJsonText(JSON.stringify({ a: "[".repeat(500) }))).toEqual({ ok: true, value: { a: "[".repeat(500) } });
  });

  it("names an empty file, and a syntax error by line and column", () => {
    expect(parseJsonText(" \n")).toMatchObject({ ok: false, problem: "not valid JSON: the file is empty" });
    expect(parseJsonText('{\n  "a": 1\n  "b": 2\n}')).toMatchObject({ ok: false, problem: "not valid JSON: expected ',' at line 3, column 3" });
  });
});
