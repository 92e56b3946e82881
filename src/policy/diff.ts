/**
 * What a profile change opens or closes, for a reviewer: tags, methods and
 * actors added or removed, limits widened or narrowed, roles added or
 * removed, approvals changed. Pure: two normalized profiles in, a list of
 * changes out, each marked as opening (more is allowed), closing (less is
 * allowed) or neutral (a change that neither widens nor narrows by itself).
 */
import type { ActorPolicy, ApprovalRule, MethodPolicy, Profile, TagPolicy } from './types.js';
import { plainDecimal } from './values.js';

export type Impact = 'opens' | 'closes' | 'neutral';

export interface Change {
  readonly impact: Impact;
  /** What changed: "tag skid.flow_sp", "actor hmi-1", "defaults", "device skid", "method reactor.Stop", "approver bob". */
  readonly subject: string;
  readonly what: string;
}

export interface ProfileDiff {
  readonly old: { readonly source: string; readonly policyHash: string };
  readonly new: { readonly source: string; readonly policyHash: string };
  readonly changes: Change[];
}

export function diffProfiles(a: Profile, b: Profile): ProfileDiff {
  const changes: Change[] = [];
  const add = (impact: Impact, subject: string, what: string) => changes.push({ impact, subject, what });
  if (a.gateway.id !== b.gateway.id) add('neutral', 'gateway', `id ${a.gateway.id} -> ${b.gateway.id} (TAOs of the old id are refused)`);
  if (a.gateway.site !== b.gateway.site) add('neutral', 'gateway', `site ${a.gateway.site} -> ${b.gateway.site}`);
  for (const [key, x] of Object.entries(a.defaults)) {
    const y = (b.defaults as unknown as Record<string, unknown>)[key];
    if (x !== y) add(key === 'allowPlainPasswords' ? (y ? 'opens' : 'closes') : 'neutral', 'defaults', `${key} ${String(x)} -> ${String(y)}`);
  }
  keyed(a.devices, b.devices, (id, x, y) => {
    const s = `device ${id}`;
    if (!x) return add('neutral', s, `added (${y!.protocol})`);
    if (!y) return add('neutral', s, 'removed');
    if (x.protocol !== y.protocol) return add('neutral', s, `protocol ${x.protocol} -> ${y.protocol}`);
    if (x.protocol === 'modbus' && y.protocol === 'modbus' && x.unit !== y.unit) add('neutral', s, `unit ${x.unit} -> ${y.unit}`);
  });
  keyed(a.tags, b.tags, (name, x, y) => tagChanges(`tag ${name}`, x, y, add));
  keyed(a.methods, b.methods, (name, x, y) => methodChanges(`method ${name}`, x, y, add));
  keyed(a.actors, b.actors, (id, x, y) => actorChanges(`actor ${id}`, x, y, add));
  keyed(a.approvers, b.approvers, (id, x, y) => {
    const s = `approver ${id}`;
    if (!x) return add('neutral', s, `added (role ${y!.role})`);
    if (!y) return add('neutral', s, `removed (role ${x.role})`);
    if (x.role !== y.role) add('neutral', s, `role ${x.role} -> ${y.role}`);
  });
  return { old: { source: a.source, policyHash: a.policyHash }, new: { source: b.source, policyHash: b.policyHash }, changes };
}

type Add = (impact: Impact, subject: string, what: string) => void;

function keyed<T>(a: ReadonlyMap<string, T>, b: ReadonlyMap<string, T>, each: (key: string, x: T | undefined, y: T | undefined) => void): void {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const k of keys) each(k, a.get(k), b.get(k));
}

function tagChanges(s: string, x: TagPolicy | undefined, y: TagPolicy | undefined, add: Add): void {
  if (!x) return add(y!.writeRoles.length ? 'opens' : 'neutral', s, `added (${y!.type}${y!.writeRoles.length ? `, writable by ${y!.writeRoles.join(', ')}` : ', read-only'}${limitsText(y!)})`);
  if (!y) return add(x.writeRoles.length ? 'closes' : 'neutral', s, `removed${x.writeRoles.length ? ' (writes to it are refused)' : ''}`);
  if (x.type !== y.type) add('neutral', s, `type ${x.type} -> ${y.type}`);
  if (x.device !== y.device) add('neutral', s, `device ${x.device} -> ${y.device}`);
  const bind = (t: TagPolicy) => (t.modbus ? `${t.modbus.table} ${t.modbus.address} ${t.modbus.wordOrder}` : t.opcua ? t.opcua.nodeId : '');
  if (bind(x) !== bind(y)) add('neutral', s, `binding ${bind(x)} -> ${bind(y)}`);
  bound(s, 'min', x.min, y.min, 'lower', add);
  bound(s, 'max', x.max, y.max, 'upper', add);
  bound(s, 'max_step', x.maxStep, y.maxStep, 'upper', add);
  if (x.minIntervalMs !== y.minIntervalMs) add(y.minIntervalMs < x.minIntervalMs ? 'opens' : 'closes', s, `min_interval_ms ${x.minIntervalMs} -> ${y.minIntervalMs}`);
  if (x.readback !== y.readback) add('neutral', s, `readback ${x.readback} -> ${y.readback}`);
  roles(s, 'write_roles', x.writeRoles, y.writeRoles, add);
  approvals(s, x.approvals, y.approvals, add);
}

function methodChanges(s: string, x: MethodPolicy | undefined, y: MethodPolicy | undefined, add: Add): void {
  if (!x) return add(y!.callRoles.length ? 'opens' : 'neutral', s, `added${y!.callRoles.length ? ` (callable by ${y!.callRoles.join(', ')})` : ''}`);
  if (!y) return add(x.callRoles.length ? 'closes' : 'neutral', s, 'removed');
  const args = (m: MethodPolicy) => m.args.map((a) => `${a.name}:${a.type}`).join(', ');
  if (args(x) !== args(y)) add('neutral', s, `args (${args(x)}) -> (${args(y)})`);
  if (x.minIntervalMs !== y.minIntervalMs) add(y.minIntervalMs < x.minIntervalMs ? 'opens' : 'closes', s, `min_interval_ms ${x.minIntervalMs} -> ${y.minIntervalMs}`);
  roles(s, 'call_roles', x.callRoles, y.callRoles, add);
  approvals(s, x.approvals, y.approvals, add);
}

function actorChanges(s: string, x: ActorPolicy | undefined, y: ActorPolicy | undefined, add: Add): void {
  if (!x) return add('opens', s, `added (${y!.kind}, role ${y!.role}${y!.modbusSources.length ? `, Modbus sources ${y!.modbusSources.join(', ')}` : ''}${y!.opcua?.username ? `, OPC UA user ${y!.opcua.username}` : ''})`);
  if (!y) return add('closes', s, `removed (role ${x.role})`);
  if (x.role !== y.role) add('neutral', s, `role ${x.role} -> ${y.role}`);
  if (x.kind !== y.kind) add('neutral', s, `kind ${x.kind} -> ${y.kind}`);
  const added = y.modbusSources.filter((v) => !x.modbusSources.includes(v));
  const removed = x.modbusSources.filter((v) => !y.modbusSources.includes(v));
  if (added.length) add('opens', s, `Modbus sources added: ${added.join(', ')}`);
  if (removed.length) add('closes', s, `Modbus sources removed: ${removed.join(', ')}`);
  const ident = (a: ActorPolicy) => `${a.opcua?.username ?? ''}|${a.opcua?.certificateThumbprint ?? ''}`;
  if (ident(x) !== ident(y)) add('neutral', s, 'OPC UA identity changed');
}

/** A limit: for a lower bound, lowering it (or removing it) opens; for an upper bound, raising it (or removing it) opens. */
function bound(s: string, key: string, x: number | undefined, y: number | undefined, side: 'lower' | 'upper', add: Add): void {
  if (x === y) return;
  const show = (v: number | undefined) => (v === undefined ? 'none' : plainDecimal(v));
  const opens = y === undefined || (x !== undefined && (side === 'lower' ? y < x : y > x));
  add(opens ? 'opens' : 'closes', s, `${key} ${show(x)} -> ${show(y)} (${opens ? 'widened' : 'narrowed'})`);
}

function roles(s: string, key: string, x: readonly string[], y: readonly string[], add: Add): void {
  const added = y.filter((r) => !x.includes(r));
  const removed = x.filter((r) => !y.includes(r));
  if (added.length) add('opens', s, `${key} added: ${added.join(', ')}`);
  if (removed.length) add('closes', s, `${key} removed: ${removed.join(', ')}`);
}

function approvals(s: string, x: ApprovalRule, y: ApprovalRule, add: Add): void {
  if (x.count !== y.count) add(y.count < x.count ? 'opens' : 'closes', s, `approvals ${x.count} -> ${y.count}`);
  const added = y.roles.filter((r) => !x.roles.includes(r));
  const removed = x.roles.filter((r) => !y.roles.includes(r));
  if (added.length) add(y.count > 0 ? 'opens' : 'neutral', s, `approver roles added: ${added.join(', ')}`);
  if (removed.length) add(y.count > 0 ? 'closes' : 'neutral', s, `approver roles removed: ${removed.join(', ')}`);
}

function limitsText(t: TagPolicy): string {
  const parts = [t.min !== undefined || t.max !== undefined ? `${t.min ?? '-inf'}..${t.max ?? 'inf'}` : '', t.maxStep !== undefined ? `step <= ${t.maxStep}` : ''].filter(Boolean);
  return parts.length ? `, ${parts.join(', ')}` : '';
}
