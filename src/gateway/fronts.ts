/**
 * Builds the protocol fronts a profile needs. node-opcua (~0.7-1 s to import,
 * ~60 MB of RSS) is loaded only when the profile has an OPC UA device and an
 * OPC UA port is given; its import starts here, so that it overlaps with the
 * ledger opening and the MQTT connection that come before the fronts start.
 */
import type { ModbusDevice, OpcuaDevice, Profile } from '../policy/types.js';
import type { Front } from './front.js';
import type { Gate } from './gate/gate.js';
import type { GateLogger } from './gate/ports.js';
import { ModbusFront } from './modbus/front.js';
import type { ModbusExceptionConfig } from './modbus/exceptions.js';
import type { OpcuaFront, OpcuaFrontOptions } from './opcua/front.js';

export interface FrontListen {
  readonly host: string;
  readonly modbusPort?: number;
  readonly opcuaPort?: number;
  readonly modbusExceptions?: Partial<ModbusExceptionConfig>;
  /** The OPC UA front's certificates (server + its PLC client); default a temp dir. */
  readonly opcuaPkiDir?: string;
  /** Trust unknown OPC UA client application certificates on first use (demo only). */
  readonly opcuaAutoAcceptClients?: boolean;
  /** Offer OPC UA SecurityPolicy None (demo and tests only). */
  readonly opcuaAllowNone?: boolean;
  /** The gateway's keys dir: where OPC UA devices' relative password_file / user_cert / user_key live. */
  readonly keysDir?: string;
}

export function buildFronts(profile: Profile, listen: FrontListen, log: GateLogger): Front[] {
  const fronts: Front[] = [];
  // One Modbus TCP front for every Modbus device, routed by unit id.
  const modbus = [...profile.devices.values()].filter((d): d is ModbusDevice => d.protocol === 'modbus');
  if (modbus.length > 0 && listen.modbusPort !== undefined) {
    fronts.push(new ModbusFront({ host: listen.host, port: listen.modbusPort, profile, devices: modbus, exceptions: listen.modbusExceptions, log }));
  }
  const opcua = [...profile.devices.values()].filter((d): d is OpcuaDevice => d.protocol === 'opcua');
  if (opcua.length > 0 && listen.opcuaPort !== undefined) {
    fronts.push(
      new DeferredOpcuaFront({ host: listen.host, port: listen.opcuaPort, profile, devices: opcua, pkiDir: listen.opcuaPkiDir, autoAcceptClientCertificates: listen.opcuaAutoAcceptClients, allowSecurityNone: listen.opcuaAllowNone, keysDir: listen.keysDir, log }),
    );
  }
  return fronts;
}

/** The OPC UA front, with node-opcua imported in the background from construction on. */
class DeferredOpcuaFront implements Front {
  readonly name = 'opcua' as const;
  private readonly loading: Promise<typeof import('./opcua/front.js')>;
  private front: OpcuaFront | undefined;

  constructor(private readonly o: OpcuaFrontOptions) {
    this.loading = import('./opcua/front.js');
    this.loading.catch(() => undefined); // reported by start()
  }

  owns(tag: string): boolean {
    const t = this.o.profile.tags.get(tag);
    return t?.opcua !== undefined && this.o.devices.some((d) => d.id === t.device);
  }

  async readCurrent(tag: string): Promise<string | undefined> {
    return this.front?.readCurrent(tag);
  }

  async start(gate: Gate): Promise<string> {
    const { OpcuaFront } = await this.loading;
    this.front = new OpcuaFront(this.o);
    return this.front.start(gate);
  }

  async close(): Promise<void> {
    await this.front?.close();
  }

  devices() {
    return this.front?.devices() ?? this.o.devices.map((d) => ({ device: d.id, up: false, detail: 'front not started' }));
  }
}
