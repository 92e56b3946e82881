/**
 * A recorded Modbus write -> the profile's device and tags, the way the
 * gateway's Modbus front maps a live one (docs/commissioning.md): the PLC
 * endpoint and unit id name the device (unit 0 and 255 alias the device's
 * own unit); a write must cover whole tags of that device, or it is refused
 * whole as unknown_tag.
 */
import type { ActorPolicy, ModbusDevice, Profile, TagPolicy } from '../../policy/types.js';
import { formatValue } from '../../policy/values.js';
import { decodeRegisters } from '../../policy/registers.js';
import { endpointKey, type Endpoint } from '../tcp/reassembly.js';

export type Resolved<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export class DeviceResolver {
  private readonly byEndpoint = new Map<string, ModbusDevice[]>();
  private readonly actors = new Map<string, ActorPolicy>();

  /** overrides: device id -> the "HOST:PORT" the capture shows it at (from --device NAME=HOST:PORT). */
  constructor(profile: Profile, overrides: ReadonlyMap<string, string> = new Map()) {
    for (const a of profile.actors.values()) for (const ip of a.modbusSources) this.actors.set(ip, a);
    for (const [id] of overrides) if (!profile.devices.has(id)) throw new Error(`--device ${id}: no device '${id}' in profile ${profile.source}`);
    for (const d of profile.devices.values()) {
      if (d.protocol !== 'modbus') continue;
      const at = overrides.get(d.id) ?? endpointKey({ ip: d.host, port: d.port });
      this.byEndpoint.set(at, [...(this.byEndpoint.get(at) ?? []), d]);
    }
  }

  /** The actor a Modbus source address identifies, as the gateway's front does. */
  actorAt(ip: string): ActorPolicy | undefined {
    return this.actors.get(ip);
  }

  resolve(server: Endpoint, unit: number): Resolved<ModbusDevice> {
    const at = endpointKey(server);
    const here = this.byEndpoint.get(at) ?? [];
    if (here.length === 0) return { ok: false, reason: `no profile device at ${at} (map one with --device NAME=${at})` };
    // the capture shows the PLC side: the unit id the PLC answers (plc_unit, default unit)
    const exact = here.find((d) => d.plcUnit === unit);
    if (exact) return { ok: true, value: exact };
    const alias = (unit === 0 || unit === 0xff) && here.length === 1 ? here[0] : undefined;
    if (alias) return { ok: true, value: alias };
    return { ok: false, reason: `unit ${unit} at ${at} is not the unit of ${here.map((d) => `${d.id} (${d.plcUnit})`).join(', ')}` };
  }
}

export interface TagWrite {
  readonly tag: TagPolicy;
  readonly value: string;
}

export function mapWrite(profile: Profile, device: ModbusDevice, table: 'coil' | 'holding', start: number, values: readonly number[]): Resolved<TagWrite[]> {
  const tags = tagsOf(profile, device.id, table);
  const end = start + values.length;
  const writes: TagWrite[] = [];
  let addr = start;
  while (addr < end) {
    const tag = tags.find((t) => addr >= t.modbus!.address && addr < t.modbus!.address + t.modbus!.registers);
    if (!tag) return { ok: false, reason: `${table} ${addr} is not bound to a tag of ${device.id}` };
    const b = tag.modbus!;
    if (b.address < start || b.address + b.registers > end) {
      return { ok: false, reason: `the write covers only part of ${tag.name} (${table} ${b.address}..${b.address + b.registers - 1})` };
    }
    const words = values.slice(b.address - start, b.address - start + b.registers);
    const value = valueOf(tag, words);
    if (value === undefined) return { ok: false, reason: `${tag.name}: value is not a finite number` };
    writes.push({ tag, value });
    addr = b.address + b.registers;
  }
  return { ok: true, value: writes };
}

/** The canonical value string of a tag from its words, or undefined when it is no finite number. */
export function valueOf(tag: TagPolicy, words: readonly number[]): string | undefined {
  if (tag.type === 'bool') return formatValue('bool', words[0] === 1);
  const n = decodeRegisters(tag.type, tag.modbus!.wordOrder, words);
  return Number.isFinite(n) ? formatValue(tag.type, n) : undefined;
}

const byTable = new WeakMap<Profile, Map<string, TagPolicy[]>>();

/** The profile's tags of one device and table, indexed once per profile. */
function tagsOf(profile: Profile, device: string, table: 'coil' | 'holding'): readonly TagPolicy[] {
  let index = byTable.get(profile);
  if (!index) {
    index = new Map();
    for (const t of profile.tags.values()) {
      if (!t.modbus) continue;
      const k = `${t.device}/${t.modbus.table}`;
      index.set(k, [...(index.get(k) ?? []), t]);
    }
    byTable.set(profile, index);
  }
  return index.get(`${device}/${table}`) ?? [];
}
