/**
 * Small actions the OQ checks share: a value inside a tag's limits, a Modbus
 * write with the PLC read before and after, and finding receipts.
 */
import type { Receipt } from '../../ledger/index.js';
import type { TagPolicy } from '../../policy/types.js';
import type { ValidateContext } from '../context.js';
import type { WriteAnswer } from '../modbus.js';

/** A whole-number value `delta` away from `current`, inside [min, max] (up first, else down). */
export function valueNear(tag: TagPolicy, current: number, delta: number): number {
  const min = tag.min ?? 0;
  const max = tag.max ?? 0;
  const base = Math.round(current);
  const up = base + delta;
  const down = base - delta;
  if (up <= max && up >= min && Math.abs(up - current) <= (tag.maxStep ?? Infinity)) return up;
  if (down >= min && down <= max && Math.abs(down - current) <= (tag.maxStep ?? Infinity)) return down;
  return Math.min(max, Math.max(min, base));
}

export interface ObservedWrite {
  readonly answer: WriteAnswer;
  readonly before: number;
  readonly after: number;
  readonly via: string;
  /** The gateway ledger head seq before the write. */
  readonly seqBefore: number;
}

/** Writes `value` to `tag` through the gateway from `source`, reading the PLC before and after. */
export async function writeObserved(ctx: ValidateContext, tag: TagPolicy, value: number, source: string): Promise<ObservedWrite> {
  const seqBefore = await ctx.headSeq();
  const before = await ctx.plcValue(tag);
  const master = await ctx.gatewayMaster(tag, source);
  let answer: WriteAnswer;
  try {
    answer = await master.write(tag, value);
  } finally {
    await master.close();
  }
  const after = await ctx.plcValue(tag);
  return { answer, before: before.value, after: after.value, via: before.via, seqBefore };
}

export function describeAnswer(a: WriteAnswer): string {
  return a.ok ? 'accepted' : a.exception !== undefined ? `Modbus exception 0x${a.exception.toString(16).padStart(2, '0')}` : `error: ${a.error}`;
}

export function same(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-3;
}

export function bodyOf(r: Receipt): Record<string, unknown> {
  return typeof r.body === 'object' && r.body !== null && !Array.isArray(r.body) ? (r.body as Record<string, unknown>) : {};
}

/** Receipts of one write (actor + target) after a seq: denied / intent / outcome. */
export function receiptsOfWrite(rs: readonly Receipt[], actor: string, target: string): Receipt[] {
  return rs.filter((r) => bodyOf(r).actor === actor && bodyOf(r).target === target);
}

export const isOutcome = (r: Receipt): boolean => r.kind === 'committed' || r.kind === 'voided' || r.kind === 'indeterminate';
