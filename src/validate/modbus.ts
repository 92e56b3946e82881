/**
 * A Modbus TCP master for the checks (modbus-serial, a client taogate did
 * not write), bound to a chosen local address: the gateway identifies Modbus
 * actors by source address.
 */
import ModbusSerial from 'modbus-serial';
import { decodeRegisters, encodeRegisters, registerCount } from '../policy/registers.js';
import type { TagPolicy } from '../policy/types.js';

// modbus-serial is CommonJS whose module.exports is the client class; its typings say `export default`.
type Client = InstanceType<typeof ModbusSerial.default>;
const ModbusRTU = ModbusSerial as unknown as new () => Client;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export function hostPort(address: string): HostPort {
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`'${address}' is not host:port`);
  return { host: address.slice(0, at), port };
}

/** The answer to a write: done, or refused with the Modbus exception code. */
export type WriteAnswer = { ok: true } | { ok: false; exception?: number; error: string };

export class ModbusMaster {
  private constructor(private readonly client: Client) {}

  static async connect(address: HostPort, unit: number, localAddress?: string): Promise<ModbusMaster> {
    const client = new ModbusRTU();
    await client.connectTCP(address.host, { port: address.port, ...(localAddress ? { localAddress } : {}) } as { port: number });
    client.setID(unit);
    client.setTimeout(5000);
    return new ModbusMaster(client);
  }

  /** Reads a tag's current value as a number (float32/uint16/int16/bool coil). */
  async read(tag: TagPolicy): Promise<number> {
    const b = binding(tag);
    if (b.table === 'coil') return (await this.client.readCoils(b.address, 1)).data[0] ? 1 : 0;
    const words = registerCount(tag.type);
    const regs = b.table === 'input' ? await this.client.readInputRegisters(b.address, words) : await this.client.readHoldingRegisters(b.address, words);
    return decodeRegisters(tag.type, b.wordOrder, regs.data);
  }

  /** Writes a tag (FC 16 for registers, FC 5 for a coil) and says whether the device accepted it. */
  async write(tag: TagPolicy, value: number): Promise<WriteAnswer> {
    const b = binding(tag);
    try {
      if (b.table === 'coil') await this.client.writeCoil(b.address, value !== 0);
      else await this.client.writeRegisters(b.address, encodeRegisters(tag.type, b.wordOrder, value));
      return { ok: true };
    } catch (err) {
      const e = err as { modbusCode?: number; message?: string };
      return { ok: false, ...(typeof e.modbusCode === 'number' ? { exception: e.modbusCode } : {}), error: e.message ?? String(err) };
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.client.isOpen ? this.client.close(() => resolve()) : resolve()));
  }
}

function binding(tag: TagPolicy): NonNullable<TagPolicy['modbus']> {
  if (!tag.modbus) throw new Error(`${tag.name} is not a Modbus tag`);
  return tag.modbus;
}
