/** Builds the protocol fronts a profile needs. */
import type { ModbusDevice, OpcuaDevice, Profile } from '../policy/types.js';
import type { Front } from './front.js';
import type { GateLogger } from './gate/ports.js';
import { ModbusFront } from './modbus/front.js';
import type { ModbusExceptionConfig } from './modbus/exceptions.js';
import { OpcuaFront } from './opcua/front.js';

export interface FrontListen {
  readonly host: string;
  readonly modbusPort?: number;
  readonly opcuaPort?: number;
  readonly modbusExceptions?: Partial<ModbusExceptionConfig>;
  /** The OPC UA front's certificates (server + its PLC client); default a temp dir. */
  readonly opcuaPkiDir?: string;
  /** Trust unknown OPC UA client application certificates on first use (demo only). */
  readonly opcuaAutoAcceptClients?: boolean;
}

export function buildFronts(profile: Profile, listen: FrontListen, log: GateLogger): Front[] {
  const fronts: Front[] = [];
  const modbus = [...profile.devices.values()].filter((d): d is ModbusDevice => d.protocol === 'modbus');
  if (modbus.length > 1) throw new Error(`profile ${profile.source}: one Modbus device per gateway is supported, found ${modbus.length}`);
  if (modbus[0] && listen.modbusPort !== undefined) {
    fronts.push(new ModbusFront({ host: listen.host, port: listen.modbusPort, profile, device: modbus[0], exceptions: listen.modbusExceptions, log }));
  }
  const opcua = [...profile.devices.values()].filter((d): d is OpcuaDevice => d.protocol === 'opcua');
  if (opcua.length > 0 && listen.opcuaPort !== undefined) {
    fronts.push(
      new OpcuaFront({ host: listen.host, port: listen.opcuaPort, profile, devices: opcua, pkiDir: listen.opcuaPkiDir, autoAcceptClientCertificates: listen.opcuaAutoAcceptClients, log }),
    );
  }
  return fronts;
}
