/**
 * The demo console's trends: the skid's measured flow (Modbus simulator input
 * registers 0-1) against its setpoint, and the reactor temperature (OPC UA
 * simulator) against its setpoint. Read straight from the in-process
 * simulators; units and labels come from the profile.
 */
import type { TrendSeriesSource } from '../../console/index.js';
import type { Profile } from '../../policy/types.js';

export interface SkidReader {
  readInputFloat32(address: number): number;
  readFloat32(address: number): number;
}

export interface ReactorReader {
  value(tag: 'reactor.temp_pv' | 'reactor.temp_sp'): unknown;
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
      read: () => ({ pv: Number(reactor.value('reactor.temp_pv')), sp: Number(reactor.value('reactor.temp_sp')) }),
    });
  }
  return out;
}
