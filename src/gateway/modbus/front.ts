/**
 * The Modbus TCP front: a transparent proxy in front of the PLC that holds
 * every write (FC 5, 6, 15, 16, 22, 23) for the gate. Reads pass through
 * unchanged with their transaction ids; requests of one connection are
 * answered in order; many connections are served at once. The PLC never
 * sees a frame the gate did not authorize.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { ModbusDevice, Profile } from '../../policy/types.js';
import { formatValue, valuesEqual } from '../../policy/values.js';
import { REFUSAL_CODES, type RefusalCode } from '../../refusal/codes.js';
import type { Front } from '../front.js';
import type { Gate } from '../gate/gate.js';
import type { GateLogger } from '../gate/ports.js';
import { settleTicket, type PlcOutcome } from '../gate/ticket.js';
import type { WriteRequest, WriteTicket } from '../gate/types.js';
import { DEFAULT_MODBUS_EXCEPTIONS, type ModbusExceptionConfig } from './exceptions.js';
import { encodeFrame, exceptionFrame, FrameReader, type Frame } from './mbap.js';
import { ModbusTagMap, type TagWrite } from './mapping.js';
import { classify, type WritePart } from './pdu.js';
import { PlcLink, PlcUnavailable } from './plc-link.js';
import { decodeRegisters } from './registers.js';

export interface ModbusFrontOptions {
  readonly host: string;
  readonly port: number;
  readonly profile: Profile;
  readonly device: ModbusDevice;
  readonly exceptions?: Partial<ModbusExceptionConfig>;
  readonly plcTimeoutMs?: number;
  readonly log: GateLogger;
}

export class ModbusFront implements Front {
  readonly name = 'modbus' as const;
  private readonly tagMap: ModbusTagMap;
  private readonly exceptions: ModbusExceptionConfig;
  private readonly internal: PlcLink;
  private readonly sockets = new Set<Socket>();
  private readonly links = new Set<PlcLink>();
  private readonly outcomes = new Set<Promise<void>>();
  private server: Server | undefined;
  private gate: Gate | undefined;

  constructor(private readonly o: ModbusFrontOptions) {
    this.tagMap = new ModbusTagMap(o.profile, o.device);
    this.exceptions = { ...DEFAULT_MODBUS_EXCEPTIONS, ...o.exceptions };
    this.internal = new PlcLink(o.device.host, o.device.port, o.plcTimeoutMs);
  }

  owns(tag: string): boolean {
    return this.tagMap.owns(tag);
  }

  async readCurrent(tagName: string): Promise<string | undefined> {
    const tag = this.o.profile.tags.get(tagName);
    if (!tag?.modbus) return undefined;
    const { table, address, registers, wordOrder } = tag.modbus;
    const data = await this.readPlc(table === 'coil' ? 1 : 3, address, table === 'coil' ? 1 : registers, tagName);
    if (table === 'coil') return formatValue('bool', (data[0]! & 1) === 1);
    const regs: number[] = [];
    for (let i = 0; i < registers; i++) regs.push(data.readUInt16BE(i * 2));
    return formatValue(tag.type, decodeRegisters(tag.type, wordOrder, regs));
  }

  start(gate: Gate): Promise<string> {
    this.gate = gate;
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : `${this.o.host}:${this.o.port}`);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const s of this.sockets) s.destroy();
    await Promise.allSettled([...this.outcomes]);
    for (const l of this.links) l.close();
    this.internal.close();
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const remote = normalizeAddress(socket.remoteAddress ?? '');
    const source = `${remote}:${socket.remotePort ?? 0}`;
    const actor = [...this.o.profile.actors.values()].find((a) => a.modbusSources.includes(remote))?.id ?? null;
    const link = new PlcLink(this.o.device.host, this.o.device.port, this.o.plcTimeoutMs);
    this.links.add(link);
    const reader = new FrameReader();
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      const { frames, error } = reader.push(chunk);
      for (const frame of frames) {
        chain = chain.then(() => this.handle(frame, { actor, source, link }).then((answer) => void (answer && !socket.destroyed && socket.write(answer))));
      }
      if (error) {
        this.o.log.warn({ source, error: error.error, detail: error.detail }, 'modbus framing error: closing connection');
        chain = chain.then(() => void socket.destroy());
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(socket);
      void chain.then(() => {
        link.close();
        this.links.delete(link);
      });
    });
  }

  /** Answers one request; never throws. */
  private async handle(frame: Frame, ctx: { actor: string | null; source: string; link: PlcLink }): Promise<Buffer | undefined> {
    const fc = frame.pdu[0] ?? 0;
    try {
      const c = classify(frame.pdu);
      if (c.kind === 'reject') return exceptionFrame(frame.tid, frame.unit, fc, c.exception === 'illegal_function' ? 0x01 : this.exceptions.illegal_value);
      if (c.kind === 'read') return this.relay(frame, ctx.link);
      return await this.write(frame, c.write, ctx);
    } catch (err) {
      this.o.log.warn({ source: ctx.source, tid: frame.tid, fc, err: (err as Error).message }, 'modbus request failed');
      return exceptionFrame(frame.tid, frame.unit, fc, err instanceof PlcUnavailable ? this.exceptions.plc_unreachable : this.exceptions.timeout);
    }
  }

  private async write(frame: Frame, part: WritePart, ctx: { actor: string | null; source: string; link: PlcLink }): Promise<Buffer> {
    const gate = this.gate!;
    const fc = part.fc;
    const base = { protocol: 'modbus' as const, source: ctx.source, actor: ctx.actor, op: 'write' as const };
    const refuseRaw = async (target: string, value: string, code: RefusalCode, reason: string) => {
      await gate.refuse({ ...base, id: randomUUID(), target, value }, code, reason);
      return exceptionFrame(frame.tid, frame.unit, fc, this.exceptionFor(code));
    };
    const where = `${part.table} ${part.start}`;
    if (!this.addressesDevice(frame.unit)) return refuseRaw(where, '', 'unknown_tag', `unit ${frame.unit} is not the unit of device ${this.o.device.id} (${this.o.device.unit})`);

    let effective = part;
    if (part.mask) {
      const tag = this.tagMap.singleRegisterTag(part.start);
      if (!tag) return refuseRaw(where, '', 'unknown_tag', `FC 22 on ${where}: not a single-register tag`);
      const current = await this.readRegister(part.start);
      const result = ((current & part.mask.and) | (part.mask.or & ~part.mask.and)) & 0xffff;
      effective = { ...part, values: [result] };
    }
    const mapped = this.tagMap.map(effective);
    if (!mapped.ok) return refuseRaw(where, effective.values.join(','), 'unknown_tag', mapped.reason);

    const tickets: { ticket: WriteTicket; tw: TagWrite }[] = [];
    for (const tw of mapped.writes) {
      const req: WriteRequest = { ...base, id: randomUUID(), target: tw.tag.name, value: tw.value };
      const verdict = await gate.authorize(req);
      if (!verdict.allowed) {
        for (const t of tickets) await t.ticket.voided(`write refused whole: ${tw.tag.name} ${verdict.code}`).catch(() => {});
        return exceptionFrame(frame.tid, frame.unit, fc, this.exceptionFor(verdict.code));
      }
      tickets.push({ ticket: verdict.ticket, tw });
    }

    let answer: Frame;
    try {
      answer = await ctx.link.send(this.toDevice(frame));
    } catch (err) {
      const reason = `PLC did not answer: ${(err as Error).message}`;
      const plc: PlcOutcome = err instanceof PlcUnavailable && err.sent ? { kind: 'unknown', reason } : { kind: 'not_sent', reason };
      this.track(this.settle(tickets, plc));
      return exceptionFrame(frame.tid, frame.unit, fc, this.exceptions.plc_unreachable);
    }
    const plcException = (answer.pdu[0]! & 0x80) !== 0 ? answer.pdu[1] : undefined;
    this.track(this.settle(tickets, plcException === undefined ? { kind: 'applied' } : { kind: 'rejected', reason: `PLC answered exception 0x${plcException.toString(16).padStart(2, '0')}` }));
    return this.toClient(answer, frame.unit);
  }

  /** Records the outcome of each ticket (with read-back where the tag asks), after the client has its answer. */
  private async settle(tickets: { ticket: WriteTicket; tw: TagWrite }[], plc: PlcOutcome): Promise<void> {
    for (const { ticket, tw } of tickets) {
      const type = tw.tag.type;
      await settleTicket(ticket, { plc, readbackOnAck: tw.tag.readback, readback: () => this.readCurrent(tw.tag.name), valueEquals: (a, b) => valuesEqual(type, a, b) }, this.o.log);
    }
  }

  private track(p: Promise<void>): void {
    this.outcomes.add(p);
    void p.finally(() => this.outcomes.delete(p));
  }

  private async readRegister(address: number): Promise<number> {
    return (await this.readPlc(3, address, 1, `holding ${address}`)).readUInt16BE(0);
  }

  /** A read (FC 1 or 3) on the gateway's own PLC link; returns the data bytes after the byte count. */
  private async readPlc(fc: 1 | 3, address: number, count: number, what: string): Promise<Buffer> {
    const pdu = Buffer.alloc(5);
    pdu[0] = fc;
    pdu.writeUInt16BE(address, 1);
    pdu.writeUInt16BE(count, 3);
    const answer = await this.internal.send(encodeFrame(this.internal.tid(), this.o.device.unit, pdu));
    if ((answer.pdu[0]! & 0x80) !== 0) throw new PlcUnavailable(`PLC answered exception ${answer.pdu[1]} reading ${what}`);
    return answer.pdu.subarray(2);
  }

  /**
   * Unit ids: the device's own, and 0 / 255, which Modbus TCP clients use to
   * address a TCP device directly (Messaging on TCP/IP v1.0b, 4.4.2: "the
   * value 0xFF has to be used"; many clients send 0). Both alias the device.
   */
  private addressesDevice(unit: number): boolean {
    return unit === this.o.device.unit || unit === 0 || unit === 0xff;
  }

  /** The frame as the PLC must see it: an alias unit becomes the device's unit. */
  private toDevice(frame: Frame): Buffer {
    if (frame.unit === this.o.device.unit || !this.addressesDevice(frame.unit)) return frame.raw;
    const copy = Buffer.from(frame.raw);
    copy[6] = this.o.device.unit;
    return copy;
  }

  /** The PLC's answer with the unit id the client used. */
  private toClient(answer: Frame, unit: number): Buffer {
    if (answer.unit === unit) return answer.raw;
    const copy = Buffer.from(answer.raw);
    copy[6] = unit;
    return copy;
  }

  private async relay(frame: Frame, link: PlcLink): Promise<Buffer> {
    return this.toClient(await link.send(this.toDevice(frame)), frame.unit);
  }

  private exceptionFor(code: RefusalCode): number {
    return this.exceptions[REFUSAL_CODES[code].modbus];
  }
}

/** "::ffff:127.0.0.1" -> "127.0.0.1" */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
