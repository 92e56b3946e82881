/** Builds the protocol fronts a profile needs. */
import type { ModbusDevice, Profile } from '../policy/types.js';
import type { Front } from './front.js';
import type { GateLogger } from './gate/ports.js';
import { ModbusFront } from './modbus/front.js';
import type { ModbusExceptionConfig } from './modbus/exceptions.js';

export interface FrontListen {
  readonly host: string;
  readonly modbusPort?: number;
  readonly opcuaPort?: number;
  readonly modbusExceptions?: Partial<ModbusExceptionConfig>;
}

export function buildFronts(profile: Profile, listen: FrontListen, log: GateLogger): Front[] {
  const fronts: Front[] = [];
  const modbus = [...profile.devices.values()].filter((d): d is ModbusDevice => d.protocol === 'modbus');
  if (modbus.length > 1) throw new Error(`profile ${profile.source}: one Modbus device per gateway is supported, found ${modbus.length}`);
  if (modbus[0] && listen.modbusPort !== undefined) {
    fronts.push(new ModbusFront({ host: listen.host, port: listen.modbusPort, profile, device: modbus[0], exceptions: listen.modbusExceptions, log }));
  }
  return fronts;
}
