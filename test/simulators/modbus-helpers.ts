/**
 * Test helpers for the Modbus simulator: a modbus-serial client (a client the
 * project did not write) and a raw MBAP socket for frames modbus-serial
 * cannot send (FC 22/23 by hand, pipelining, split frames, bad headers).
 * The raw client's framing is deliberately independent of simulators/modbus/mbap.ts.
 */
import { once } from 'node:events';
import { Socket, connect } from 'node:net';
import ModbusSerial from 'modbus-serial';

// modbus-serial is CommonJS and module.exports IS the client class, but its typings say
// `export default`, which NodeNext reads as module.exports.default. Cast once, here.
export type ModbusClient = InstanceType<typeof ModbusSerial.default>;
const ModbusRTU = ModbusSerial as unknown as new () => ModbusClient;

export async function modbusClient(port: number, unitId = 1, localAddress?: string): Promise<ModbusClient> {
  const client = new ModbusRTU();
  await client.connectTCP('127.0.0.1', { port, ...(localAddress ? { localAddress } : {}) } as { port: number });
  client.setID(unitId);
  client.setTimeout(1000);
  return client;
}

export function closeClient(client: ModbusClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.isOpen) return resolve();
    client.close(() => resolve());
  });
}

/** Builds an MBAP ADU by hand (Impl. Guide v1.0b §3.1.3). */
export function adu(transactionId: number, unitId: number, pdu: number[] | Buffer, protocolId = 0): Buffer {
  const body = Buffer.from(pdu);
  const head = Buffer.alloc(7);
  head.writeUInt16BE(transactionId, 0);
  head.writeUInt16BE(protocolId, 2);
  head.writeUInt16BE(body.length + 1, 4);
  head[6] = unitId;
  return Buffer.concat([head, body]);
}

export function u16(...values: number[]): number[] {
  return values.flatMap((v) => [(v >> 8) & 0xff, v & 0xff]);
}

export interface RawAnswer {
  transactionId: number;
  protocolId: number;
  unitId: number;
  pdu: Buffer;
}

export class RawClient {
  private buf = Buffer.alloc(0);
  private readonly answers: RawAnswer[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      while (this.buf.length >= 6 && this.buf.length >= 6 + this.buf.readUInt16BE(4)) {
        const len = this.buf.readUInt16BE(4);
        this.answers.push({
          transactionId: this.buf.readUInt16BE(0),
          protocolId: this.buf.readUInt16BE(2),
          unitId: this.buf[6]!,
          pdu: Buffer.from(this.buf.subarray(7, 6 + len)),
        });
        this.buf = this.buf.subarray(6 + len);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number, localAddress?: string): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
    socket.setNoDelay(true);
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves with the next `count` answers, or rejects after `ms`. */
  async receive(count: number, ms = 1000): Promise<RawAnswer[]> {
    const deadline = Date.now() + ms;
    while (this.answers.length < count) {
      if (this.closed) throw new Error(`connection closed after ${this.answers.length} of ${count} answers`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.answers.length} of ${count} answers`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.answers.splice(0, count);
  }

  /** One request, one answer. */
  async request(transactionId: number, unitId: number, pdu: number[]): Promise<RawAnswer> {
    this.send(adu(transactionId, unitId, pdu));
    const [answer] = await this.receive(1);
    return answer!;
  }

  /** Resolves true when the server closes the connection within `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.closed;
  }

  pendingAnswers(): number {
    return this.answers.length;
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** float32 ABCD as two registers. */
export function floatWords(value: number): [number, number] {
  const b = Buffer.alloc(4);
  b.writeFloatBE(value, 0);
  return [b.readUInt16BE(0), b.readUInt16BE(2)];
}

export function wordsFloat(high: number, low: number): number {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(high, 0);
  b.writeUInt16BE(low, 2);
  return b.readFloatBE(0);
}

/** A float32 as two registers, big-endian, high word first (ABCD). */
export function f32(v: number): number[] {
  const b = Buffer.alloc(4);
  b.writeFloatBE(v);
  return [b.readUInt16BE(0), b.readUInt16BE(2)];
}
