/**
 * Learned limits: the observed range widened by a stated margin and rounded
 * outward to a readable number, clamped to the type's range; the largest
 * step widened the same way; the shortest interval narrowed by it. With a
 * margin of 0 the limits are exactly what was observed.
 */
import type { TagType } from '../../policy/types.js';
import { FLOAT32_MAX, INT_RANGES, isIntegerType } from '../../policy/values.js';

export interface Range {
  readonly min: number;
  readonly max: number;
}

export function widenRange(type: TagType, lo: number, hi: number, pct: number): Range {
  if (pct === 0) return { min: lo, max: hi };
  const span = hi - lo;
  const m = span > 0 ? span * pct : Math.max(Math.abs(lo), Math.abs(hi)) * pct || 1;
  const g = grain(type, m);
  let min = clean(Math.floor(clean((lo - m) / g)) * g);
  let max = clean(Math.ceil(clean((hi + m) / g)) * g);
  if (min > lo) min = lo;
  if (max < hi) max = hi;
  return clamp(type, min, max);
}

export function widenStep(type: TagType, largest: number, pct: number): number | undefined {
  if (!(largest > 0)) return undefined;
  if (pct === 0) return largest;
  const g = grain(type, largest * pct);
  const step = clean(Math.ceil(clean((largest * (1 + pct)) / g)) * g);
  return step < largest ? largest : step;
}

export function narrowInterval(shortestMs: number, pct: number): number | undefined {
  const ms = Math.floor(shortestMs * (1 - pct));
  return ms >= 1 ? ms : undefined;
}

/** A power of ten near the margin (whole numbers for integer types). */
function grain(type: TagType, m: number): number {
  const g = 10 ** Math.floor(Math.log10(m));
  return isIntegerType(type) ? Math.max(1, g) : g;
}

function clean(x: number): number {
  const c = Number(x.toPrecision(12));
  return c === 0 ? 0 : c;
}

function clamp(type: TagType, min: number, max: number): Range {
  if (isIntegerType(type)) {
    const [lo, hi] = INT_RANGES[type];
    return { min: Math.max(lo, Math.floor(min)), max: Math.min(hi, Math.ceil(max)) };
  }
  if (type === 'float32') return { min: Math.max(-FLOAT32_MAX, min), max: Math.min(FLOAT32_MAX, max) };
  return { min, max };
}
