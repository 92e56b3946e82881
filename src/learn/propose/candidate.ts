/**
 * The proposed profile as a model, with the evidence behind every number:
 * devices by PLC address and unit id, one tag per learned span (written
 * tags with type, limits, step and interval; read-only tags for what was
 * only read), one actor per source address that wrote. Rendering to YAML
 * and to the report are separate (yaml.ts, report.ts).
 */
import type { TagType, WordOrder } from '../../policy/types.js';
import { formatValue } from '../../policy/values.js';
import type { Table } from '../modbus/pdu.js';
import type { Transaction } from '../modbus/transactions.js';
import { decodeRegisters } from '../../policy/registers.js';
import { endpointKey } from '../tcp/reassembly.js';
import type { TrafficSummary } from '../traffic.js';
import { judge, plausible, type Judgement } from './judge.js';
import { layout, type Span } from './layout.js';
import { narrowInterval, widenRange, widenStep } from './margins.js';
import { observe, type Observations, type ReadObs, type WriteObs } from './observe.js';

export interface Evidence {
  count: number;
  firstUs: number;
  lastUs: number;
}

export interface LearnedDevice {
  readonly id: string;
  readonly key: string;
  readonly host: string;
  readonly port: number;
  /** Unit id at the gateway's Modbus front: unique per profile, the PLC's own when that is free (1..254). */
  readonly unit: number;
  /** The unit id the PLC answered in the capture. */
  readonly plcUnit: number;
  /** Requests with unit 0 / 255 at the front go here: the device the capture showed addressed that way (one at most). */
  readonly default: boolean;
  readonly requests: Evidence;
}

export interface LearnedTag {
  readonly name: string;
  readonly device: LearnedDevice;
  readonly table: Table;
  readonly address: number;
  readonly width: 1 | 2 | 4;
  readonly type: TagType;
  readonly wordOrder: WordOrder;
  readonly judgement: Judgement | undefined;
  readonly written: boolean;
  readonly writes: Evidence | undefined;
  readonly reads: Evidence | undefined;
  /** Observed numeric values of the writes (numeric types). */
  readonly observed?: { readonly min: number; readonly max: number };
  readonly limits?: { readonly min: number; readonly max: number };
  /** Steps are measured where the capture showed the value before a write: their evidence is those writes. */
  readonly step?: { readonly largest: number; readonly steps: Evidence; readonly maxStep: number | undefined };
  readonly interval?: { readonly shortestMs: number; readonly intervals: number; readonly minIntervalMs: number | undefined };
  /** Actor id -> evidence of its writes of this tag. */
  readonly writers: Map<string, Evidence>;
}

export interface LearnedActor {
  readonly id: string;
  readonly role: string;
  readonly source: string;
  readonly writes: Evidence;
  readonly tags: Map<string, number>;
}

export interface Candidate {
  readonly gatewayId: string;
  readonly site: string;
  readonly marginPct: number;
  readonly devices: LearnedDevice[];
  readonly tags: LearnedTag[];
  readonly actors: LearnedActor[];
  readonly observations: Observations;
  readonly partialWrites: readonly WriteObs[];
  readonly summary: TrafficSummary;
  readonly transactions: number;
}

export interface ProposeOptions {
  /** Device names by PLC endpoint "HOST:PORT" (from --device NAME=HOST:PORT). */
  readonly deviceNames?: ReadonlyMap<string, string>;
  /** Margin as a fraction (0.1 = 10 %). */
  readonly margin: number;
  readonly gatewayId: string;
  readonly site: string;
}

const PREFIX: Record<Table, string> = { holding: 'hr', input: 'ir', coil: 'coil', discrete: 'di' };

export function propose(transactions: readonly Transaction[], summary: TrafficSummary, o: ProposeOptions): Candidate {
  const obs = observe(transactions);
  const devices = nameDevices(obs.devices, o.deviceNames ?? new Map());
  const byKey = new Map(devices.map((d) => [d.key, d]));
  const { spans, partial } = layout(obs.writes, obs.reads, (s, samples) => s.width !== 4 || plausible(4, samples));
  const actors = new Map<string, LearnedActor>();
  const index = indexObs(obs);
  const tags = spans.map((s) => learnTag(s, byKey.get(s.device)!, index, o.margin, actors));
  return {
    gatewayId: o.gatewayId,
    site: o.site,
    marginPct: o.margin * 100,
    devices,
    tags,
    actors: [...actors.values()].sort((a, b) => a.id.localeCompare(b.id)),
    observations: obs,
    partialWrites: partial,
    summary,
    transactions: transactions.length,
  };
}

export function actorIdOf(source: string): string {
  return `src_${source.replace(/[^A-Za-z0-9]/g, '_')}`;
}

function nameDevices(seen: Observations['devices'], names: ReadonlyMap<string, string>): LearnedDevice[] {
  const list = [...seen.values()].sort((a, b) => endpointKey(a.server).localeCompare(endpointKey(b.server)) || a.unit - b.unit);
  const unitsAt = new Map<string, number>();
  for (const d of list) unitsAt.set(endpointKey(d.server), (unitsAt.get(endpointKey(d.server)) ?? 0) + 1);
  // Front unit ids are unique per profile: keep the PLC's own where it is a device id (1..254) and free.
  const taken = new Set(list.map((d) => d.unit).filter((u, i, all) => u >= 1 && u <= 254 && all.indexOf(u) === i));
  const claimed = new Set<number>();
  let next = 1;
  let haveDefault = false;
  return list.map((d) => {
    const at = endpointKey(d.server);
    const base = names.get(at) ?? `plc_${d.server.ip.replace(/[^A-Za-z0-9]/g, '_')}_${d.server.port}`;
    const id = (unitsAt.get(at) ?? 0) > 1 || !names.has(at) ? `${base}_u${d.unit}` : base;
    let unit = d.unit;
    if (unit < 1 || unit > 254 || claimed.has(unit)) {
      while (taken.has(next) || claimed.has(next)) next++;
      unit = next;
    }
    claimed.add(unit);
    const isDefault = !haveDefault && (d.unit === 0 || d.unit === 255);
    haveDefault ||= isDefault;
    return { id, key: d.key, host: d.server.ip, port: d.server.port, unit, plcUnit: d.unit, default: isDefault, requests: { count: d.requests, firstUs: d.firstUs, lastUs: d.lastUs } };
  });
}

interface ObsIndex {
  readonly writes: Map<string, WriteObs[]>;
  readonly reads: Map<string, ReadObs[]>;
}

/** Writes and reads by "device/table", so each tag looks only at its own table. */
function indexObs(obs: Observations): ObsIndex {
  const group = <T extends { device: string; table: string }>(xs: readonly T[]) => {
    const m = new Map<string, T[]>();
    for (const x of xs) {
      const k = `${x.device}/${x.table}`;
      const list = m.get(k);
      if (list) list.push(x);
      else m.set(k, [x]);
    }
    return m;
  };
  return { writes: group(obs.writes), reads: group(obs.reads) };
}

function learnTag(s: Span, device: LearnedDevice, index: ObsIndex, margin: number, actors: Map<string, LearnedActor>): LearnedTag {
  const name = `${device.id}.${PREFIX[s.table]}${s.start}`;
  const bits = s.table === 'coil' || s.table === 'discrete';
  const covering = (index.writes.get(`${s.device}/${s.table}`) ?? []).filter((w) => w.start <= s.start && w.start + w.values.length >= s.start + s.width);
  const samples = covering.map((w) => ({ w, words: w.values.slice(s.start - w.start, s.start - w.start + s.width), before: w.before?.slice(s.start - w.start, s.start - w.start + s.width) }));
  const readSamples = (index.reads.get(`${s.device}/${s.table}`) ?? [])
    .filter((r) => r.start <= s.start && r.start + r.values.length >= s.start + s.width)
    .map((r) => ({ tsUs: r.tsUs, words: r.values.slice(s.start - r.start, s.start - r.start + s.width) }));
  const judgement = bits ? undefined : judge(s.width, [...samples.map((x) => x.words), ...readSamples.map((x) => x.words)]);
  const type: TagType = bits ? 'bool' : judgement!.type;
  const wordOrder = judgement?.wordOrder ?? 'ABCD';
  const writers = new Map<string, Evidence>();
  for (const { w } of samples) {
    const id = actorIdOf(w.source);
    note(writers, id, w.tsUs);
    const a = actors.get(id) ?? { id, role: id, source: w.source, writes: { count: 0, firstUs: w.tsUs, lastUs: w.tsUs }, tags: new Map<string, number>() };
    bump(a.writes, w.tsUs);
    a.tags.set(name, (a.tags.get(name) ?? 0) + 1);
    actors.set(id, a);
  }
  const base: LearnedTag = {
    name,
    device,
    table: s.table,
    address: s.start,
    width: s.width,
    type,
    wordOrder,
    judgement,
    written: samples.length > 0,
    writes: evidence(samples.map((x) => x.w.tsUs)),
    reads: evidence(readSamples.map((x) => x.tsUs)),
    writers,
  };
  if (bits || samples.length === 0) return base;
  const value = (words: readonly number[]) => Number(formatValue(type, decodeRegisters(type, wordOrder, words)));
  const values = samples.map((x) => value(x.words));
  const lo = minOf(values);
  const hi = maxOf(values);
  const stepped = samples.filter((x) => x.before !== undefined);
  const steps = stepped.map((x) => Math.abs(value(x.words) - value(x.before!)));
  const largest = steps.length ? maxOf(steps) : 0;
  const times = samples.map((x) => x.w.tsUs);
  const gaps = times.slice(1).map((t, i) => (t - times[i]!) / 1000);
  const shortest = gaps.length ? minOf(gaps) : undefined;
  return {
    ...base,
    observed: { min: lo, max: hi },
    limits: widenRange(type, lo, hi, margin),
    step: steps.length ? { largest: Number(largest.toPrecision(12)), steps: evidence(stepped.map((x) => x.w.tsUs))!, maxStep: widenStep(type, Number(largest.toPrecision(12)), margin) } : undefined,
    interval: shortest !== undefined ? { shortestMs: shortest, intervals: gaps.length, minIntervalMs: narrowInterval(shortest, margin) } : undefined,
  };
}

function evidence(ts: readonly number[]): Evidence | undefined {
  if (ts.length === 0) return undefined;
  return { count: ts.length, firstUs: minOf(ts), lastUs: maxOf(ts) };
}

/** Math.min/max without spreading: captures hold more values than a call takes arguments. */
function minOf(xs: readonly number[]): number {
  return xs.reduce((a, b) => (b < a ? b : a), Infinity);
}

function maxOf(xs: readonly number[]): number {
  return xs.reduce((a, b) => (b > a ? b : a), -Infinity);
}

function note(m: Map<string, Evidence>, key: string, tsUs: number): void {
  const e = m.get(key);
  if (e) bump(e, tsUs);
  else m.set(key, { count: 1, firstUs: tsUs, lastUs: tsUs });
}

function bump(e: Evidence, tsUs: number): void {
  e.count++;
  e.firstUs = Math.min(e.firstUs, tsUs);
  e.lastUs = Math.max(e.lastUs, tsUs);
}

