/**
 * Strict readers for untrusted JSON shapes: plain objects with exactly the
 * named fields, bounded strings and safe integers. Every problem is a
 * ShapeError naming the field path; callers turn it into their own error
 * (Refusal('bad_envelope'), bad_approval, a trust store load error).
 */
export class ShapeError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path} ${problem}`);
    this.name = 'ShapeError';
  }
}

export type Fields = Readonly<Record<string, unknown>>;

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Short, printable description of an untrusted value for error messages. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return `"${x.length > 40 ? `${x.slice(0, 40)}...` : x}"`.replace(/[^\x20-\x7e]/g, '?');
  return typeof x === 'object' ? 'an object' : `${typeof x} ${String(x).slice(0, 40)}`;
}

/** A plain object whose own keys are all in required or optional, with every required key present. */
export function object(x: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Fields {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ShapeError(path, `must be an object, got ${describe(x)}`);
  const proto = Object.getPrototypeOf(x) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new ShapeError(path, 'must be a plain object');
  for (const k of Object.keys(x)) {
    if (!required.includes(k) && !optional.includes(k)) throw new ShapeError(path, `has an unexpected field ${describe(k)}`);
  }
  for (const k of required) if (!hasOwn(x, k)) throw new ShapeError(`${path}.${k}`, 'is missing');
  return x as Fields;
}

/** An optional field: undefined when absent (or explicitly undefined). */
export function optional<T>(o: Fields, key: string, read: (x: unknown) => T): T | undefined {
  return hasOwn(o, key) && o[key] !== undefined ? read(o[key]) : undefined;
}

export interface StringRule {
  readonly min?: number;
  readonly max: number;
  readonly pattern?: RegExp;
  readonly what?: string;
}

const CONTROL = /[\u0000-\u001f\u007f]/;

export function string(x: unknown, path: string, rule: StringRule): string {
  if (typeof x !== 'string') throw new ShapeError(path, `must be a string, got ${describe(x)}`);
  const min = rule.min ?? 1;
  const exactly = rule.what !== undefined && min === rule.max ? `must be ${rule.what}, got ${x.length} characters` : undefined;
  if (x.length < min) throw new ShapeError(path, exactly ?? (min === 1 ? 'must not be empty' : `must be at least ${min} characters`));
  if (x.length > rule.max) throw new ShapeError(path, exactly ?? `must be at most ${rule.max} characters (got ${x.length})`);
  if (rule.pattern && !rule.pattern.test(x)) throw new ShapeError(path, `must be ${rule.what ?? rule.pattern.source}, got ${describe(x)}`);
  return x;
}

/** A short identifier: 1..128 characters, no control characters. */
export function name(x: unknown, path: string): string {
  const s = string(x, path, { max: 128 });
  if (CONTROL.test(s)) throw new ShapeError(path, 'must not contain control characters');
  return s;
}

export function integer(x: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) throw new ShapeError(path, `must be an integer, got ${describe(x)}`);
  if (x < min || x > max) throw new ShapeError(path, `must be between ${min} and ${max}, got ${x}`);
  return x;
}

export function oneOf<T extends string>(x: unknown, path: string, values: readonly T[]): T {
  if (typeof x !== 'string' || !(values as readonly string[]).includes(x)) throw new ShapeError(path, `must be one of ${values.join(', ')}, got ${describe(x)}`);
  return x as T;
}

export function array<T>(x: unknown, path: string, max: number, item: (x: unknown, path: string) => T): T[] {
  if (!Array.isArray(x)) throw new ShapeError(path, `must be an array, got ${describe(x)}`);
  if (x.length > max) throw new ShapeError(path, `must have at most ${max} entries (got ${x.length})`);
  const out: T[] = [];
  for (let i = 0; i < x.length; i++) out.push(item(x[i], `${path}[${i}]`));
  return out;
}

export const HEX32 = { max: 32, min: 32, pattern: /^[0-9a-f]{32}$/, what: '32 lowercase hex digits' } as const;
export const HEX64 = { max: 64, min: 64, pattern: /^[0-9a-f]{64}$/, what: '64 lowercase hex digits' } as const;
export const BASE64 = { max: 200_000, pattern: /^[A-Za-z0-9+/]*={0,2}$/, what: 'standard base64' } as const;
