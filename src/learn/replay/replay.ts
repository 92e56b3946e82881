/**
 * Replay: every recorded write, in capture order and at capture time,
 * through the policy evaluation the gate and governance run (evaluate() of
 * src/policy, not a copy). No governance, no PLC, no ledger: the verdicts
 * are what the gateway's policy would say. The current value for step
 * checks is what the capture showed last (PlcMemory); the min-interval
 * history is the capture time of the last write that passed.
 */
import { evaluate } from '../../policy/evaluate.js';
import type { Profile, TagPolicy } from '../../policy/types.js';
import { parseValue } from '../../policy/values.js';
import type { RefusalCode } from '../../refusal/codes.js';
import { deviceKey, PlcMemory } from '../memory.js';
import type { Transaction } from '../modbus/transactions.js';
import { DeviceResolver, mapWrite, valueOf } from './tag-map.js';

export type Outcome = 'pass' | 'refused' | 'approval' | 'unchecked';

export interface ReplayedWrite {
  readonly tsUs: number;
  readonly source: string;
  readonly plc: string;
  readonly fc: number;
  readonly table: string;
  readonly start: number;
  readonly outcome: Outcome;
  readonly code?: RefusalCode;
  readonly reason?: string;
  /** Tag writes the frame maps to, with their values. */
  readonly tags: readonly { readonly tag: string; readonly value: string }[];
}

export interface TagMargin {
  readonly tag: string;
  readonly writes: number;
  readonly passed: number;
  readonly min?: number;
  readonly max?: number;
  readonly lowest?: number;
  readonly highest?: number;
  /** lowest - min and max - highest over the writes that passed. */
  readonly belowHighest?: number;
  readonly aboveLowest?: number;
  readonly maxStep?: number;
  readonly largestStep?: number;
  readonly minIntervalMs?: number;
  readonly shortestIntervalMs?: number;
  /** Writes whose step could not be checked: the capture never showed the value before them. */
  readonly stepUnchecked: number;
}

export interface ReplayResult {
  readonly writes: ReplayedWrite[];
  readonly counts: { readonly total: number; readonly pass: number; readonly refused: number; readonly approval: number; readonly unchecked: number };
  readonly refusedByCode: Record<string, number>;
  readonly tags: TagMargin[];
  readonly policyHash: string;
}

interface TagStats {
  writes: number;
  passed: number;
  lowest?: number;
  highest?: number;
  largestStep?: number;
  shortestIntervalMs?: number;
  lastPassMs?: number;
  stepUnchecked: number;
}

export function replay(transactions: readonly Transaction[], profile: Profile, deviceOverrides?: ReadonlyMap<string, string>): ReplayResult {
  const devices = new DeviceResolver(profile, deviceOverrides);
  const memory = new PlcMemory();
  const lastIssued = new Map<string, number>();
  const stats = new Map<string, TagStats>();
  const writes: ReplayedWrite[] = [];
  for (const t of transactions) {
    const r = t.request;
    if (r.kind === 'write' || r.kind === 'mask') writes.push(replayOne(t, profile, devices, memory, lastIssued, stats));
    memory.apply(t);
  }
  const count = (o: Outcome) => writes.filter((w) => w.outcome === o).length;
  const refusedByCode: Record<string, number> = {};
  for (const w of writes) if (w.outcome === 'refused') refusedByCode[w.code!] = (refusedByCode[w.code!] ?? 0) + 1;
  return {
    writes,
    counts: { total: writes.length, pass: count('pass'), refused: count('refused'), approval: count('approval'), unchecked: count('unchecked') },
    refusedByCode,
    tags: [...stats.entries()].map(([name, s]) => margin(profile.tags.get(name)!, s)).sort((a, b) => a.tag.localeCompare(b.tag)),
    policyHash: profile.policyHash,
  };
}

function replayOne(
  t: Transaction,
  profile: Profile,
  devices: DeviceResolver,
  memory: PlcMemory,
  lastIssued: Map<string, number>,
  stats: Map<string, TagStats>,
): ReplayedWrite {
  const r = t.request as Extract<Transaction['request'], { kind: 'write' | 'mask' }>;
  const base = { tsUs: t.tsUs, source: t.client.ip, plc: `${deviceKey(t)}`, fc: r.fc, table: r.table, start: r.start };
  const refused = (code: RefusalCode, reason: string, tags: ReplayedWrite['tags'] = []): ReplayedWrite => ({ ...base, outcome: 'refused', code, reason, tags });
  const device = devices.resolve(t.server, t.unit);
  if (!device.ok) return refused('unknown_tag', device.reason);
  const written = memory.written(t);
  if (!written) return { ...base, outcome: 'unchecked', reason: `FC 22 on holding ${r.start}: the capture never showed the register, so the written value is unknown`, tags: [] };
  const mapped = mapWrite(profile, device.value, r.table, written.start, written.values);
  if (!mapped.ok) return refused('unknown_tag', mapped.reason);
  const tags = mapped.value.map((w) => ({ tag: w.tag.name, value: w.value }));
  const actor = devices.actorAt(t.client.ip);
  if (!actor) return refused('unknown_actor', `source ${t.client.ip} is not identified as a profile actor`, tags);
  const nowMs = t.tsUs / 1000;
  let approval = false;
  for (const w of mapped.value) {
    const s = stats.get(w.tag.name) ?? { writes: 0, passed: 0, stepUnchecked: 0 };
    stats.set(w.tag.name, s);
    s.writes++;
    const current = currentOf(w.tag, memory, deviceKey(t));
    if (w.tag.maxStep !== undefined && current === undefined) s.stepUnchecked++;
    const decision = evaluate({ actor: actor.id, op: 'write', target: w.tag.name, value: w.value, current }, profile, nowMs, { lastIssuedAt: (x) => lastIssued.get(x) });
    if (decision.decision === 'deny') return refused(decision.code, decision.reason, tags);
    if (decision.decision === 'pending') approval = true;
  }
  for (const w of mapped.value) {
    const s = stats.get(w.tag.name)!;
    s.passed++;
    const v = parseValue(w.tag.type, w.value);
    if (v.ok && typeof v.value === 'number') {
      s.lowest = Math.min(s.lowest ?? Infinity, v.value);
      s.highest = Math.max(s.highest ?? -Infinity, v.value);
      const cur = currentOf(w.tag, memory, deviceKey(t));
      const c = cur !== undefined ? parseValue(w.tag.type, cur) : undefined;
      if (c?.ok && typeof c.value === 'number') s.largestStep = Math.max(s.largestStep ?? 0, Math.abs(v.value - c.value));
    }
    if (s.lastPassMs !== undefined) s.shortestIntervalMs = Math.min(s.shortestIntervalMs ?? Infinity, nowMs - s.lastPassMs);
    s.lastPassMs = nowMs;
    if (!approval) lastIssued.set(w.tag.name, nowMs);
  }
  return { ...base, outcome: approval ? 'approval' : 'pass', tags };
}

function currentOf(tag: TagPolicy, memory: PlcMemory, device: string): string | undefined {
  const b = tag.modbus;
  if (!b) return undefined;
  const words = memory.get(device, b.table, b.address, b.registers);
  return words ? valueOf(tag, words) : undefined;
}

function margin(tag: TagPolicy, s: TagStats): TagMargin {
  const round = (n: number | undefined) => (n === undefined ? undefined : Number(n.toPrecision(12)));
  return {
    tag: tag.name,
    writes: s.writes,
    passed: s.passed,
    min: tag.min,
    max: tag.max,
    lowest: s.lowest,
    highest: s.highest,
    aboveLowest: tag.min !== undefined && s.lowest !== undefined ? round(s.lowest - tag.min) : undefined,
    belowHighest: tag.max !== undefined && s.highest !== undefined ? round(tag.max - s.highest) : undefined,
    maxStep: tag.maxStep,
    largestStep: round(s.largestStep),
    minIntervalMs: tag.minIntervalMs || undefined,
    shortestIntervalMs: round(s.shortestIntervalMs),
    stepUnchecked: s.stepUnchecked,
  };
}
