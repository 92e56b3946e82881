/**
 * Where the tags are: register spans per device and table. A write of 1, 2
 * or 4 registers at an address is taken as one value of that width (the
 * most frequent width wins for a start address); longer writes are split
 * into single registers. Spans that overlap keep the one with more writes.
 * What was only read becomes read-only spans the same way, from the read
 * requests, around what was written.
 */
import type { Table } from '../modbus/pdu.js';
import type { ReadObs, WriteObs } from './observe.js';

export interface Span {
  readonly device: string;
  readonly table: Table;
  readonly start: number;
  readonly width: 1 | 2 | 4;
  readonly written: boolean;
}

export interface Layout {
  readonly spans: Span[];
  /** Writes that cover only part of a learned span: they would be refused; reported. */
  readonly partial: WriteObs[];
}

const WIDTHS = new Set([1, 2, 4]);

/** Whether a span can hold the words seen there (a 4-register span that reads as no sensible float64 is split in two). */
export type SpanCheck = (s: Span, samples: readonly (readonly number[])[]) => boolean;

export function layout(writes: readonly WriteObs[], reads: readonly ReadObs[], fits: SpanCheck = () => true): Layout {
  const taken = new Map<string, Span[]>(); // device/table -> accepted spans
  const accept = (s: Span) => {
    const k = `${s.device}/${s.table}`;
    const list = taken.get(k) ?? [];
    if (list.some((t) => t.start < s.start + s.width && s.start < t.start + t.width)) return false;
    list.push(s);
    taken.set(k, list);
    return true;
  };
  const place = (s: Span, blocks: readonly { device: string; table: Table; start: number; values: readonly number[] }[]) => {
    const samples = blocks
      .filter((b) => b.device === s.device && b.table === s.table && b.start <= s.start && b.start + b.values.length >= s.start + s.width)
      .map((b) => b.values.slice(s.start - b.start, s.start - b.start + s.width));
    if (fits(s, samples)) return void accept(s);
    accept({ ...s, width: 2 });
    accept({ ...s, start: s.start + 2, width: 2 });
  };
  const all = [...writes, ...reads];
  for (const s of rank(writes.flatMap((w) => pieces(w.device, w.table, w.start, w.values.length, true)))) place(s, all);
  for (const s of rank(reads.flatMap((r) => pieces(r.device, r.table, r.start, r.values.length, false)))) place(s, all);
  // Read blocks longer than 4 become single registers for the addresses no span holds yet.
  for (const r of reads) {
    if (WIDTHS.has(r.values.length)) continue;
    for (let a = r.start; a < r.start + r.values.length; a++) accept({ device: r.device, table: r.table, start: a, width: 1, written: false });
  }
  const spans = [...taken.values()].flat().sort((x, y) => x.device.localeCompare(y.device) || x.table.localeCompare(y.table) || x.start - y.start);
  const partial = writes.filter((w) => !coversWhole(spans, w));
  return { spans, partial };
}

function pieces(device: string, table: Table, start: number, count: number, written: boolean): Span[] {
  const bits = table === 'coil' || table === 'discrete';
  if (bits || !WIDTHS.has(count)) {
    // coils are one bit each; long register blocks: written -> single registers, read -> handled after
    if (!bits && !written) return [];
    return Array.from({ length: count }, (_, i) => ({ device, table, start: start + i, width: 1 as const, written }));
  }
  return [{ device, table, start, width: count as 1 | 2 | 4, written }];
}

/** Distinct spans, most frequent first (ties: lower address, narrower). */
function rank(all: Span[]): Span[] {
  const counts = new Map<string, { s: Span; n: number }>();
  for (const s of all) {
    const k = `${s.device}/${s.table}/${s.start}/${s.width}`;
    const e = counts.get(k) ?? { s, n: 0 };
    e.n++;
    counts.set(k, e);
  }
  return [...counts.values()].sort((x, y) => y.n - x.n || x.s.start - y.s.start || x.s.width - y.s.width).map((e) => e.s);
}

function coversWhole(spans: readonly Span[], w: WriteObs): boolean {
  const end = w.start + w.values.length;
  let a = w.start;
  while (a < end) {
    const s = spans.find((x) => x.device === w.device && x.table === w.table && a >= x.start && a < x.start + x.width);
    if (!s || s.start < w.start || s.start + s.width > end) return false;
    a = s.start + s.width;
  }
  return true;
}
