// From a file's bytes to a JSON value, refusing in one line everything that is not a JSON document a
// person meant to write: an unreadable file, a file too large, text that is not UTF-8 (a UTF-8 byte-order
// mark is accepted and dropped), nesting too deep to be a scenario, and syntax errors with their line and
// column. Every check is linear in the file's size, so no input can make it hang.

import { readFileSync } from "node:fs";
import { type ParseError, getLocation, parse as parseTolerant, printParseErrorCode } from "jsonc-parser";
import { formatPath } from "./problems.ts";

/** A scenario is a page of settings; empirical samples of a few hundred thousand values still fit. */
export const FILE_BYTES_MAX = 8 * 1024 * 1024;
/** The format nests about six levels deep; anything far deeper is not a scenario (and could exhaust the stack). */
export const NESTING_DEPTH_MAX = 64;

export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly path: string; readonly problem: string };

const fail = (problem: string, path = ""): Read<never> => ({ ok: false, path, problem });

/** Reads and parses a JSON file: the value, or the one problem that stopped the reading. */
export function readJsonFile(file: string): Read<unknown> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a scenario file" : `cannot be read (${code ?? String(error)})`);
  }
  const text = decodeUtf8(bytes);
  return text.ok ? parseJsonText(text.value) : text;
}

/** Strict UTF-8, without a leading byte-order mark. */
export function decodeUtf8(bytes: Uint8Array): Read<string> {
  if (bytes.length > FILE_BYTES_MAX) {
    return fail(`is ${megabytes(bytes.length)}; a scenario file is at most ${megabytes(FILE_BYTES_MAX)}`);
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return fail("is UTF-16 encoded (it starts with a UTF-16 byte-order mark); save it as UTF-8");
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  const nul = body.indexOf(0);
  if (nul >= 0) return fail(`contains a NUL byte at byte ${nul + start}: is it UTF-16 or binary? Save it as UTF-8 text`);
  try {
    return { ok: true, value: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body) };
  } catch {
    const offset = firstInvalidUtf8(body);
    let line = 1;
    for (let index = 0; index < offset; index += 1) if (body[index] === 0x0a) line += 1;
    const byte = (body[offset] ?? 0).toString(16).padStart(2, "0");
    return fail(`is not valid UTF-8: byte 0x${byte} on line ${line} (byte ${offset + start} of the file); save it as UTF-8`);
  }
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] as number;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0) return index;
    for (let next = 1; next < length; next += 1) {
      const byte = bytes[index + next];
      if (byte === undefined || (byte & 0xc0) !== 0x80) return index;
    }
    const second = bytes[index + 1] as number;
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if ((lead === 0xe0 && second < 0xa0) || (lead === 0xed && second > 0x9f) || (lead === 0xf0 && second < 0x90) || (lead === 0xf4 && second > 0x8f)) {
      return index;
    }
    index += length;
  }
  return bytes.length;
}

/** Parses JSON text (no comments, no trailing commas), naming the line and column of the first error. */
export function parseJsonText(text: string): Read<unknown> {
  if (text.trim() === "") return fail("not valid JSON: the file is empty");
  const tooDeep = firstTooDeep(text);
  if (tooDeep !== undefined) {
    const { line, column } = lineAndColumn(text, tooDeep);
    // getLocation stops at the offset, so its own recursion stays within the limit.
    const fullPath = formatPath(getLocation(text.slice(0, tooDeep + 1), tooDeep).path);
    const path = fullPath.length > 80 ? `${fullPath.slice(0, 80)}…` : fullPath;
    return fail(`nested more than ${NESTING_DEPTH_MAX} levels deep at line ${line}, column ${column}`, path);
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return fail(`not valid JSON: ${describeJsonError(text)}`);
  }
}

/** The offset of the first bracket that opens a level past NESTING_DEPTH_MAX, ignoring brackets in strings. */
function firstTooDeep(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index += 1;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > NESTING_DEPTH_MAX) return index;
    } else if (code === 0x7d || code === 0x5d) {
      depth -= 1;
    }
  }
  return undefined;
}

const JSON_PROBLEMS: Readonly<Record<string, string>> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "malformed number",
  PropertyNameExpected: "expected a property name in double quotes",
  ValueExpected: "expected a value",
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: "unexpected text after the end of the JSON value",
  InvalidCommentToken: "comments are not allowed",
  UnexpectedEndOfComment: "comments are not allowed",
  UnexpectedEndOfString: "unterminated string",
  UnexpectedEndOfNumber: "malformed number",
  InvalidUnicode: "invalid unicode escape",
  InvalidEscapeCharacter: "invalid escape character",
  InvalidCharacter: "invalid character in a string",
};

/**
 * Where and what the first syntax error is, in one line. Node's JSON.parse messages often give no position
 * and quote the text around the error, newlines included; a tolerant parser reports an exact offset.
 */
function describeJsonError(text: string): string {
  const errors: ParseError[] = [];
  parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first === undefined) return "the file is not a JSON value";
  const code = printParseErrorCode(first.error);
  const { line, column } = lineAndColumn(text, first.offset);
  const atEnd = text.slice(first.offset).trim() === "";
  const problem = atEnd && code !== "EndOfFileExpected" ? "the file ends too early" : (JSON_PROBLEMS[code] ?? code);
  return `${problem} at line ${line}, column ${column}`;
}

/** Line and column (from 1) of an offset into text. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let index = 0; index < end; index += 1) {
    if (text.charCodeAt(index) === 0x0a) {
      line += 1;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
