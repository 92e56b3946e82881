/**
 * What the demo console reads straight from the in-process PLC simulators:
 * the trends (the skid's measured flow, Modbus input registers 0-1, against
 * its setpoint; the reactor temperature against its setpoint) and a tag's
 * value now for approval requests that carry none. Units and labels come
 * from the profile.
 */
import type { TrendSeriesSource } from '../../console/index.js';
import type { Profile } from '../../policy/types.js';

export interface SkidReader {
  readInputFloat32(address: number): number;
  readFloat32(address: number): number;
  holding(address: number, count: number): number[];
  coils(address: number, count: number): boolean[];
}

export interface ReactorReader {
  value(tag: never): unknown;
}

/** A skid or reactor tag's PLC value now, as the decimal string a proposal would carry. */
export function demoCurrentValue(profile: Profile, skid?: SkidReader, reactor?: ReactorReader): (tag: string) => string | undefined {
  return (tag) => {
    const t = profile.tags.get(tag);
    if (!t) return undefined;
    if (t.modbus && skid && t.device === 'skid') {
      const { table, address } = t.modbus;
      if (table === 'coil') return String(skid.coils(address, 1)[0]);
      if (table === 'holding' && t.type === 'float32') return String(Math.round(skid.readFloat32(address) * 1000) / 1000);
      if (table === 'holding' && (t.type === 'uint16' || t.type === 'int16')) {
        const w = skid.holding(address, 1)[0]!;
        return String(t.type === 'int16' && w > 0x7fff ? w - 0x10000 : w);
      }
      return undefined;
    }
    if (t.opcua && reactor) {
      const v = (reactor.value as (tag: string) => unknown)(tag);
      return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? String(v) : undefined;
    }
    return undefined;
  };
}

export function demoTrends(profile: Profile, skid?: SkidReader, reactor?: ReactorReader): TrendSeriesSource[] {
  const meta = (tag: string) => ({ units: profile.tags.get(tag)?.units ?? '', label: profile.tags.get(tag)?.description ?? tag });
  const out: TrendSeriesSource[] = [];
  if (skid) {
    out.push({
      tag: 'skid.flow_pv',
      ...meta('skid.flow_pv'),
      setpoint: 'skid.flow_sp',
      marks: ['skid.flow_sp', 'skid.pump_run', 'skid.pressure_max'],
      read: () => ({ pv: skid.readInputFloat32(0), sp: skid.readFloat32(100) }),
    });
  }
  if (reactor) {
    out.push({
      tag: 'reactor.temp_pv',
      ...meta('reactor.temp_pv'),
      setpoint: 'reactor.temp_sp',
      marks: ['reactor.temp_sp', 'reactor.agitator_rpm', 'reactor.jacket_limit'],
      read: () => {
        const value = reactor.value as (tag: string) => unknown;
        return { pv: Number(value('reactor.temp_pv')), sp: Number(value('reactor.temp_sp')) };
      },
    });
  }
  return out;
}
