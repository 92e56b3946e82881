/**
 * Judging the type (and word order) of a register span from the values
 * seen. Each interpretation gets a cost per value: how many significant
 * digits a person would have typed (42.5 costs 3, 1500 costs 4), and
 * Infinity for what no engineer writes (NaN, infinities, denormals, floats
 * beyond 1e9). The cheapest interpretation over all values wins; ties keep
 * the first candidate in the list (big-endian, float before int).
 */
import type { TagType, WordOrder } from '../../policy/types.js';
import { formatValue } from '../../policy/values.js';
import { decodeRegisters } from '../../policy/registers.js';

const WORD_ORDERS: readonly WordOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];

export interface Interpretation {
  readonly type: TagType;
  readonly wordOrder: WordOrder;
}

export interface Judgement extends Interpretation {
  /** Candidates with their total cost, cheapest first, for the report. */
  readonly ranking: readonly { readonly type: TagType; readonly wordOrder: WordOrder; readonly cost: number; readonly example: string }[];
  /** True when every value was zero (or none was seen): the type is a default, not a judgement. */
  readonly undetermined: boolean;
}

function candidates(width: number): Interpretation[] {
  if (width === 1) return [{ type: 'uint16', wordOrder: 'ABCD' }, { type: 'int16', wordOrder: 'ABCD' }];
  if (width === 2) {
    return [
      ...WORD_ORDERS.map((wordOrder) => ({ type: 'float32' as const, wordOrder })),
      ...WORD_ORDERS.map((wordOrder) => ({ type: 'int32' as const, wordOrder })),
      ...WORD_ORDERS.map((wordOrder) => ({ type: 'uint32' as const, wordOrder })),
    ];
  }
  return WORD_ORDERS.map((wordOrder) => ({ type: 'float64' as const, wordOrder }));
}

export function judge(width: 1 | 2 | 4, samples: readonly (readonly number[])[]): Judgement {
  const ranking = candidates(width).map((c, order) => {
    let cost = 0;
    for (const words of samples) cost += valueCost(c.type, decodeRegisters(c.type, c.wordOrder, words));
    // int32 and uint32 read the same for small positive values: int32 is listed first, so uint32 wins only when cheaper.
    const example = samples.length ? show(c.type, decodeRegisters(c.type, c.wordOrder, samples[samples.length - 1]!)) : '';
    return { ...c, cost, order, example };
  });
  ranking.sort((x, y) => x.cost - y.cost || x.order - y.order);
  const best = ranking[0]!;
  const undetermined = samples.every((w) => w.every((x) => x === 0));
  const defaultPick = candidates(width)[0]!;
  const pick = undetermined ? defaultPick : best;
  return { type: pick.type, wordOrder: pick.wordOrder, undetermined, ranking: ranking.map(({ type, wordOrder, cost, example }) => ({ type, wordOrder, cost, example })) };
}

/** Whether a span of this width can hold a value a person would type, under any interpretation. */
export function plausible(width: 1 | 2 | 4, samples: readonly (readonly number[])[]): boolean {
  return judge(width, samples).ranking[0]!.cost < Infinity;
}

function valueCost(type: TagType, v: number): number {
  if (!Number.isFinite(v)) return Infinity;
  if (v === 0) return 1;
  const a = Math.abs(v);
  if (type === 'float32' || type === 'float64') {
    if (a < 1e-6 || a > 1e9) return Infinity;
    return significantDigits(type === 'float32' ? Number(formatValue('float32', v)) : v);
  }
  return significantDigits(v);
}

/** Digits of the shortest decimal (15 significant at most, which hides binary noise): 42.5 -> 3, 0.1 -> 1, 1500 -> 4. */
function significantDigits(v: number): number {
  const digits = String(Number(Math.abs(v).toPrecision(15))).replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
  return Math.max(1, digits.length);
}

function show(type: TagType, v: number): string {
  if (!Number.isFinite(v)) return String(v);
  try {
    return formatValue(type, v);
  } catch {
    return String(v);
  }
}
