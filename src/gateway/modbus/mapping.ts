/**
 * Maps a Modbus write onto profile tags. A write must cover whole tags only
 * (a float32 tag is two registers: both or refused); a write that touches
 * any address not bound to a tag of this device is refused whole.
 */
import type { ModbusDevice, Profile, TagPolicy } from '../../policy/types.js';
import { formatValue } from '../../policy/values.js';
import type { WritePart } from './pdu.js';
import { decodeRegisters } from './registers.js';

export interface TagWrite {
  readonly tag: TagPolicy;
  readonly value: string;
}

export type Mapped = { readonly ok: true; readonly writes: TagWrite[] } | { readonly ok: false; readonly reason: string };

export class ModbusTagMap {
  private readonly byTable: Record<'coil' | 'holding', TagPolicy[]> = { coil: [], holding: [] };

  constructor(
    readonly profile: Profile,
    readonly device: ModbusDevice,
  ) {
    for (const tag of profile.tags.values()) {
      if (tag.device === device.id && tag.modbus && (tag.modbus.table === 'coil' || tag.modbus.table === 'holding')) this.byTable[tag.modbus.table].push(tag);
    }
  }

  owns(tag: string): boolean {
    const t = this.profile.tags.get(tag);
    return t !== undefined && t.device === this.device.id && t.modbus !== undefined;
  }

  /** The tag starting exactly at this single holding register, for FC 22. */
  singleRegisterTag(address: number): TagPolicy | undefined {
    return this.byTable.holding.find((t) => t.modbus!.address === address && t.modbus!.registers === 1);
  }

  map(w: WritePart): Mapped {
    const tags = this.byTable[w.table];
    const end = w.start + w.values.length;
    const writes: TagWrite[] = [];
    let addr = w.start;
    while (addr < end) {
      const tag = tags.find((t) => addr >= t.modbus!.address && addr < t.modbus!.address + t.modbus!.registers);
      if (!tag) return { ok: false, reason: `${w.table} ${addr} is not bound to a tag` };
      const b = tag.modbus!;
      if (b.address < w.start || b.address + b.registers > end) {
        return { ok: false, reason: `the write covers only part of ${tag.name} (${w.table} ${b.address}..${b.address + b.registers - 1})` };
      }
      const slice = w.values.slice(b.address - w.start, b.address - w.start + b.registers);
      const value = tag.type === 'bool' ? slice[0] === 1 : decodeRegisters(tag.type, b.wordOrder, slice);
      if (typeof value === 'number' && !Number.isFinite(value)) return { ok: false, reason: `${tag.name}: value is not a finite number` };
      writes.push({ tag, value: formatValue(tag.type, value) });
      addr = b.address + b.registers;
    }
    return { ok: true, writes };
  }
}
