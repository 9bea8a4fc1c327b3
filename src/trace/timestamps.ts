// Trace timestamps to milliseconds: ISO 8601 date-times (with or without a zone; none means UTC, and up to
// nanosecond fractions as the Azure traces write them) and plain numbers of seconds or milliseconds.

import type { TimestampUnit } from "./presets.ts";

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Milliseconds from the timestamp's origin, or undefined when the value is not a timestamp of that unit. */
export function timestampMs(value: unknown, unit: TimestampUnit): number | undefined {
  if (unit === "iso") return typeof value === "string" ? isoMs(value.trim()) : undefined;
  const number = finiteNumber(value);
  if (number === undefined) return undefined;
  return unit === "s" ? number * 1000 : number;
}

/** A finite number, from a JSON number or from decimal text; "NaN", "Infinity", "" and "0x10" are not. */
export function finiteNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (!DECIMAL.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

function isoMs(text: string): number | undefined {
  const match = ISO.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const fractionMs = match[7] === undefined ? 0 : Number(`0.${match[7]}`) * 1000;
  const wholeMs = Date.UTC(year, month - 1, day, hour, minute, second);
  return wholeMs + fractionMs - zoneOffsetMs(match[8]);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === "Z") return 0;
  const digits = zone.replace(":", "");
  const sign = digits.startsWith("-") ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
}
