/**
 * A Modbus TCP master for the checks (modbus-serial, a client taogate did
 * not write), bound to a chosen local address: the gateway identifies Modbus
 * actors by source address.
 */
import ModbusSerial from 'modbus-serial';
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
    const words = tag.type === 'float32' || tag.type === 'int32' || tag.type === 'uint32' ? 2 : 1;
    const regs = b.table === 'input' ? await this.client.readInputRegisters(b.address, words) : await this.client.readHoldingRegisters(b.address, words);
    return decode(tag, regs.data);
  }

  /** Writes a tag (FC 16 for registers, FC 5 for a coil) and says whether the device accepted it. */
  async write(tag: TagPolicy, value: number): Promise<WriteAnswer> {
    const b = binding(tag);
    try {
      if (b.table === 'coil') await this.client.writeCoil(b.address, value !== 0);
      else await this.client.writeRegisters(b.address, encode(tag, value));
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

function binding(tag: TagPolicy): { table: string; address: number } {
  if (!tag.modbus) throw new Error(`${tag.name} is not a Modbus tag`);
  if (tag.modbus.registers > 1 && tag.modbus.wordOrder !== 'ABCD') throw new Error(`${tag.name}: word order ${tag.modbus.wordOrder} is not supported by the validation master (ABCD only)`);
  return { table: tag.modbus.table, address: tag.modbus.address };
}

function decode(tag: TagPolicy, words: readonly number[]): number {
  const buf = Buffer.alloc(words.length * 2);
  words.forEach((w, i) => buf.writeUInt16BE(w, i * 2));
  switch (tag.type) {
    case 'float32':
      return buf.readFloatBE(0);
    case 'int16':
      return buf.readInt16BE(0);
    case 'int32':
      return buf.readInt32BE(0);
    case 'uint32':
      return buf.readUInt32BE(0);
    default:
      return buf.readUInt16BE(0);
  }
}

function encode(tag: TagPolicy, value: number): number[] {
  const buf = Buffer.alloc(tag.type === 'float32' || tag.type === 'int32' || tag.type === 'uint32' ? 4 : 2);
  if (tag.type === 'float32') buf.writeFloatBE(value, 0);
  else if (tag.type === 'int16') buf.writeInt16BE(value, 0);
  else if (tag.type === 'int32') buf.writeInt32BE(value, 0);
  else if (tag.type === 'uint32') buf.writeUInt32BE(value, 0);
  else buf.writeUInt16BE(value, 0);
  const words: number[] = [];
  for (let i = 0; i < buf.length; i += 2) words.push(buf.readUInt16BE(i));
  return words;
}
