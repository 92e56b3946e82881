/**
 * Canonical JSON in the RFC 8785 (JCS) style, restricted to the value domain
 * taogate signs: objects, arrays, strings, booleans, null and SAFE INTEGERS.
 * Floats, -0, NaN and Infinity are refused so that every implementation
 * produces the same bytes (values travel as decimal strings instead).
 *
 * Object keys are sorted by UTF-16 code units (RFC 8785 section 3.2.3), which
 * is JavaScript's default string ordering. Strings use ECMAScript
 * JSON.stringify escaping, which is what RFC 8785 section 3.2.2.2 specifies.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class CanonicalJsonError extends Error {
  constructor(message: string, readonly path: string) {
    super(`${message} at ${path || '$'}`);
    this.name = 'CanonicalJsonError';
  }
}

export function canonicalize(value: unknown): string {
  try {
    return fast(value);
  } catch {
    // Only for values that are refused: the path-tracking writer names where (and throws).
    return write(value, '$');
  }
}

const encoder = new TextEncoder();

export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}

/**
 * The hot path (every receipt, TAO and signed message): the same bytes as
 * write(), without building a path string for every member. Throws (without
 * a path) on anything write() refuses; canonicalize() then asks write() for
 * the error that names the place.
 */
function fast(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isSafeInteger(value) || Object.is(value, -0)) throw new RangeError('not canonical');
      return String(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + fast(value[i]);
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError('not canonical');
      const o = value as Record<string, unknown>;
      // Default sort = UTF-16 code unit order, as write() sorts.
      const keys = Object.keys(o).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = o[k];
        if (v === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${fast(v)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError('not canonical');
  }
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isSafeInteger(value)) throw new CanonicalJsonError(`number ${value} is not a safe integer`, path);
      if (Object.is(value, -0)) throw new CanonicalJsonError('-0 is not allowed', path);
      return String(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${path}[${i}]`)).join(',')}]`;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError('only plain objects are allowed', path);
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new CanonicalJsonError(`type ${typeof value} is not allowed`, path);
  }
}
