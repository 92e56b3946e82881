/**
 * Canonical value strings. Values travel in proposals, TAOs and receipts as
 * decimal strings (canonical JSON allows no floats), so every part must read
 * and write them the same way:
 *
 *   bool        "true" | "false"
 *   int types   -?(0|[1-9][0-9]*), within the type's range ("-0" reads as 0)
 *   float types -?(0|[1-9][0-9]*)(.[0-9]+)?  no exponent, hex, sign '+',
 *               leading zeros or whitespace; must be finite in the type
 *   string      any text up to 4096 characters
 *
 * formatValue writes the shortest string that reads back to the same value
 * in the tag's own precision (float32 42.1 stays "42.1", not
 * "42.099998474121094"), and never writes an exponent or "-0", so
 * parseValue(type, formatValue(type, v)) always round-trips.
 */
import type { TagType } from './types.js';

export type Value = number | boolean | string;
export type ParseResult = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly reason: string };

export const INT_RANGES = {
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
} as const satisfies Partial<Record<TagType, readonly [number, number]>>;

/** Largest finite float32 (FLT_MAX). */
export const FLOAT32_MAX = 3.4028234663852886e38;
const MAX_TEXT = 4096;

const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

export function isNumericType(type: TagType): boolean {
  return type !== 'bool' && type !== 'string';
}

export function isIntegerType(type: TagType): type is keyof typeof INT_RANGES {
  return type in INT_RANGES;
}

export function parseValue(type: TagType, text: string): ParseResult {
  if (typeof text !== 'string') return fail(`expected a string, got ${typeof text}`);
  if (type === 'string') return text.length <= MAX_TEXT ? ok(text) : fail(`longer than ${MAX_TEXT} characters`);
  if (type === 'bool') return text === 'true' ? ok(true) : text === 'false' ? ok(false) : fail("expected 'true' or 'false'");
  if (text.length > 400) return fail('too long for a number');
  if (isIntegerType(type)) {
    if (!INTEGER.test(text)) return fail(DECIMAL.test(text) ? 'not a whole number' : 'not a decimal integer');
    const n = Number(text);
    const [lo, hi] = INT_RANGES[type];
    if (n < lo || n > hi) return fail(`outside the ${type} range ${lo}..${hi}`);
    return ok(n === 0 ? 0 : n);
  }
  if (!DECIMAL.test(text)) return fail('not a plain decimal number');
  const n = Number(text);
  if (type === 'float32') {
    const f = Math.fround(n);
    if (!Number.isFinite(f)) return fail(`outside the float32 range (|x| <= ${plainDecimal(FLOAT32_MAX)})`);
    return ok(f === 0 ? 0 : f);
  }
  if (!Number.isFinite(n)) return fail('outside the float64 range');
  return ok(n === 0 ? 0 : n);
}

export function formatValue(type: TagType, value: Value): string {
  switch (type) {
    case 'bool':
      if (typeof value !== 'boolean') throw new TypeError(`bool value expected, got ${typeof value}`);
      return value ? 'true' : 'false';
    case 'string':
      if (typeof value !== 'string') throw new TypeError(`string value expected, got ${typeof value}`);
      return value;
    case 'float32': {
      const f = Math.fround(finite(type, value));
      if (!Number.isFinite(f)) throw new RangeError(`${value} is outside the float32 range`);
      return plainDecimal(shortestFloat32(f));
    }
    case 'float64':
      return plainDecimal(finite(type, value));
    default: {
      const n = finite(type, value);
      const [lo, hi] = INT_RANGES[type];
      if (!Number.isInteger(n) || n < lo || n > hi) throw new RangeError(`${n} is not a valid ${type}`);
      return plainDecimal(n);
    }
  }
}

/**
 * Equality in the tag's own terms: float32 compares the float32 values,
 * float64 numeric equality, the rest exact. Strings are parsed first
 * (except for string tags); an unparseable side is never equal.
 */
export function valuesEqual(type: TagType, a: Value, b: Value): boolean {
  const x = coerce(type, a);
  const y = coerce(type, b);
  if (x === undefined || y === undefined) return false;
  if (type === 'float32') return Math.fround(x as number) === Math.fround(y as number);
  return x === y;
}

/** A number as a plain decimal string: no exponent, no "-0". */
export function plainDecimal(n: number): string {
  if (n === 0) return '0';
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign = '', lead = '', frac = '', exp = '0'] = m;
  const digits = lead + frac;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** The double with the fewest significant digits that rounds to the same float32. */
function shortestFloat32(f: number): number {
  for (let p = 1; p < 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return Number(f.toPrecision(9));
}

function coerce(type: TagType, v: Value): Value | undefined {
  if (type === 'string') return typeof v === 'string' ? v : undefined;
  if (typeof v === 'string') {
    const r = parseValue(type, v);
    return r.ok ? r.value : undefined;
  }
  if (type === 'bool') return typeof v === 'boolean' ? v : undefined;
  return typeof v === 'number' && !Number.isNaN(v) ? (v === 0 ? 0 : v) : undefined;
}

function finite(type: TagType, v: Value): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`finite ${type} number expected, got ${String(v)}`);
  return v;
}

function ok(value: Value): ParseResult {
  return { ok: true, value };
}

function fail(reason: string): ParseResult {
  return { ok: false, reason };
}
