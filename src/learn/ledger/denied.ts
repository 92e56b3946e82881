/**
 * Proposals from the gateway's own refusals: the denied receipts of a
 * gateway that enforced a profile say what would have to change to allow
 * what was refused. Learnable: unknown_actor (a Modbus source that is no
 * actor), unknown_tag (a Modbus address that is no tag), out_of_range (a
 * value beyond a limit), role_not_allowed (an actor whose role may not
 * write the tag). Every other refusal is counted, not turned into a
 * proposal: step, rate and approval refusals are the policy working.
 */
import type { Profile, TagType } from '../../policy/types.js';
import { parseValue } from '../../policy/values.js';
import { isRefusalCode, type RefusalCode } from '../../refusal/codes.js';
import { actorIdOf, type Evidence } from '../propose/candidate.js';
import { judge } from '../propose/judge.js';

/** The fields of a denied receipt this module reads (docs/ledger.md). */
export interface DeniedReceipt {
  readonly seq: number;
  /** ms since the epoch */
  readonly ts: number;
  readonly body: {
    readonly protocol?: unknown;
    readonly source?: unknown;
    readonly actor?: unknown;
    readonly op?: unknown;
    readonly target?: unknown;
    readonly value?: unknown;
    readonly code?: unknown;
    readonly reason?: unknown;
  };
}

export interface Seen extends Evidence {
  readonly seqs: number[];
}

export type Proposal =
  | { readonly kind: 'add_actor'; readonly actor: string; readonly source: string; readonly targets: string[]; readonly seen: Seen }
  | { readonly kind: 'add_tag'; readonly device: string; readonly table: 'holding' | 'coil'; readonly address: number; readonly type: TagType; readonly wordOrder: string; readonly values: string[]; readonly writers: string[]; readonly seen: Seen }
  | { readonly kind: 'widen_min' | 'widen_max'; readonly tag: string; readonly from: number | undefined; readonly to: number; readonly seen: Seen }
  | { readonly kind: 'add_role'; readonly tag: string; readonly role: string; readonly actors: string[]; readonly seen: Seen };

export interface LedgerLearning {
  readonly denied: number;
  readonly proposals: Proposal[];
  /** Refusals that propose nothing, by code. */
  readonly notLearned: Partial<Record<RefusalCode | 'other', number>>;
}

export function proposeFromDenied(receipts: Iterable<DeniedReceipt>, profile: Profile): LedgerLearning {
  const byKey = new Map<string, Proposal>();
  const notLearned: Partial<Record<RefusalCode | 'other', number>> = {};
  let denied = 0;
  const modbusDevices = [...profile.devices.values()].filter((d) => d.protocol === 'modbus');
  for (const r of receipts) {
    denied++;
    const b = r.body;
    const code = isRefusalCode(b.code) ? b.code : undefined;
    const target = typeof b.target === 'string' ? b.target : '';
    const value = typeof b.value === 'string' ? b.value : '';
    const modbus = b.protocol === 'modbus';
    const ip = typeof b.source === 'string' ? hostOf(b.source) : '';
    const skip = () => void (notLearned[code ?? 'other'] = (notLearned[code ?? 'other'] ?? 0) + 1);
    if (code === 'unknown_actor' && modbus && ip) {
      const id = actorIdOf(ip);
      const p = byKey.get(`actor ${ip}`) ?? { kind: 'add_actor' as const, actor: id, source: ip, targets: [], seen: seen(r) };
      if (byKey.has(`actor ${ip}`)) more(p.seen, r);
      if (p.kind === 'add_actor' && target && !p.targets.includes(target)) p.targets.push(target);
      byKey.set(`actor ${ip}`, p);
      continue;
    }
    // the Modbus front names an unbound address "<device> <table> <address>" (older gateways: "<table> <address>")
    const raw = /^(?:(\S+) )?(holding|coil) (\d+)$/.exec(target);
    const rawDevice = raw?.[1] !== undefined ? modbusDevices.find((d) => d.id === raw[1]) : modbusDevices.length === 1 ? modbusDevices[0] : undefined;
    if (code === 'unknown_tag' && modbus && raw && rawDevice && value !== '') {
      const key = `tag ${rawDevice.id} ${raw[2]} ${raw[3]}`;
      const values = value.split(',').map(Number);
      const prev = byKey.get(key);
      const known = typeof b.actor === 'string' ? profile.actors.get(b.actor) : undefined;
      const writer = known?.role ?? actorIdOf(ip);
      if (!known) {
        // refused for the address before the actor was looked at: the source is no actor either
        const a = byKey.get(`actor ${ip}`) ?? { kind: 'add_actor' as const, actor: actorIdOf(ip), source: ip, targets: [], seen: seen(r) };
        if (byKey.has(`actor ${ip}`)) more(a.seen, r);
        if (a.kind === 'add_actor' && !a.targets.includes(target)) a.targets.push(target);
        byKey.set(`actor ${ip}`, a);
      }
      if (prev && prev.kind === 'add_tag') {
        more(prev.seen, r);
        prev.values.push(value);
        if (!prev.writers.includes(writer)) prev.writers.push(writer);
        continue;
      }
      const table = raw[2] as 'holding' | 'coil';
      const width = values.length === 2 || values.length === 4 ? values.length : 1;
      const j = table === 'coil' ? undefined : judge(width as 1 | 2 | 4, [values.slice(0, width)]);
      byKey.set(key, { kind: 'add_tag', device: rawDevice.id, table, address: Number(raw[3]), type: j?.type ?? 'bool', wordOrder: j?.wordOrder ?? 'ABCD', values: [value], writers: [writer], seen: seen(r) });
      continue;
    }
    const tag = profile.tags.get(target);
    if (code === 'out_of_range' && tag) {
      const v = parseValue(tag.type, value);
      if (!v.ok || typeof v.value !== 'number') {
        skip();
        continue;
      }
      const low = tag.min !== undefined && v.value < tag.min;
      const kind = low ? 'widen_min' : 'widen_max';
      const key = `${kind} ${tag.name}`;
      const prev = byKey.get(key);
      if (prev && (prev.kind === 'widen_min' || prev.kind === 'widen_max')) {
        more(prev.seen, r);
        byKey.set(key, { ...prev, to: low ? Math.min(prev.to, v.value) : Math.max(prev.to, v.value) });
      } else byKey.set(key, { kind, tag: tag.name, from: low ? tag.min : tag.max, to: v.value, seen: seen(r) });
      continue;
    }
    const actor = typeof b.actor === 'string' ? profile.actors.get(b.actor) : undefined;
    if (code === 'role_not_allowed' && tag && actor) {
      const key = `role ${tag.name} ${actor.role}`;
      const prev = byKey.get(key);
      if (prev && prev.kind === 'add_role') {
        more(prev.seen, r);
        if (!prev.actors.includes(actor.id)) prev.actors.push(actor.id);
      } else byKey.set(key, { kind: 'add_role', tag: tag.name, role: actor.role, actors: [actor.id], seen: seen(r) });
      continue;
    }
    skip();
  }
  return { denied, proposals: [...byKey.values()], notLearned };
}

/** "10.0.0.5:50312" / "[::1]:50312" / "::1:50312" -> the address. */
function hostOf(source: string): string {
  const bracket = /^\[(.+)\]:\d+$/.exec(source);
  if (bracket) return bracket[1]!;
  const i = source.lastIndexOf(':');
  return i > 0 ? source.slice(0, i) : source;
}

function seen(r: DeniedReceipt): Seen {
  return { count: 1, firstUs: r.ts * 1000, lastUs: r.ts * 1000, seqs: [r.seq] };
}

function more(s: Seen, r: DeniedReceipt): void {
  s.count++;
  s.firstUs = Math.min(s.firstUs, r.ts * 1000);
  s.lastUs = Math.max(s.lastUs, r.ts * 1000);
  if (s.seqs.length < 20) s.seqs.push(r.seq);
}
