/**
 * What the Modbus front does with one request: route it by unit id, pass
 * reads to the device, hold writes (FC 5, 6, 15, 16, 22, 23) for the gate
 * and forward only what it authorized, and answer every refusal with the
 * exception code of its class (exceptions.ts). Refusals made here, before
 * the gate's policy checks (malformed request, function not forwarded, unit
 * id no device has, address that is no tag), go through gate.refuse too, so
 * they leave a denied receipt and a log line like every other refusal.
 */
import { randomUUID } from 'node:crypto';
import { PlcUnavailable } from '../../devices/modbus/errors.js';
import { exceptionFrame, encodeFrame, type Frame } from '../../devices/modbus/mbap.js';
import { formatValue, valuesEqual } from '../../policy/values.js';
import { REFUSAL_CODES, type RefusalCode } from '../../refusal/codes.js';
import type { Gate } from '../gate/gate.js';
import type { GateLogger } from '../gate/ports.js';
import { settleTicket, type PlcOutcome } from '../gate/ticket.js';
import type { WriteRequest, WriteTicket } from '../gate/types.js';
import type { ModbusExceptionConfig } from './exceptions.js';
import type { TagWrite } from './mapping.js';
import { classify, type WritePart } from './pdu.js';
import { decodeRegisters } from './registers.js';
import type { Route, UnitRouter } from './units.js';

export interface Client {
  readonly actor: string | null;
  /** "ip:port" of the client connection. */
  readonly source: string;
}

export class ModbusRequests {
  /** Reads to a unit id no device has: logged once a minute per source address and unit. */
  private readonly unknownUnitReads = new Map<string, { count: number; loggedAt: number }>();

  constructor(
    private readonly gate: Gate,
    private readonly router: UnitRouter,
    private readonly exceptions: ModbusExceptionConfig,
    private readonly log: GateLogger,
    /** Outcome bookkeeping runs after the client has its answer; the front waits for it at close. */
    private readonly track: (p: Promise<void>) => void,
  ) {}

  /** Answers one request; never throws. */
  async handle(frame: Frame, client: Client): Promise<Buffer> {
    const fc = frame.pdu[0] ?? 0;
    const fail = (cls: keyof ModbusExceptionConfig) => exceptionFrame(frame.tid, frame.unit, fc, this.exceptions[cls]);
    try {
      const c = classify(frame.pdu);
      if (c.kind === 'reject') {
        const code: RefusalCode = c.exception === 'illegal_function' ? 'function_not_allowed' : 'malformed';
        await this.refuse(client, `unit ${frame.unit} fc ${fc}`, '', code, c.detail);
        return fail(REFUSAL_CODES[code].modbus);
      }
      const route = this.router.route(frame.unit);
      if (!route) {
        const why = frame.unit === 0 || frame.unit === 0xff ? `unit ${frame.unit} addresses the default device and the profile marks none` : `no device has unit ${frame.unit}`;
        if (c.kind === 'write') await this.refuse(client, `unit ${frame.unit} ${c.write.table} ${c.write.start}`, c.write.values.join(','), 'unknown_unit', why);
        else this.noteUnknownUnitRead(client, frame.unit, fc, why);
        return fail('unknown_unit');
      }
      if (c.kind === 'read') return encodeFrame(frame.tid, frame.unit, await route.link.request(frame.pdu));
      return await this.write(frame, c.write, client, route);
    } catch (err) {
      this.log.warn({ source: client.source, tid: frame.tid, unit: frame.unit, fc, err: (err as Error).message }, 'modbus request failed');
      if (err instanceof PlcUnavailable) return fail(err.noPath ? 'no_path' : 'plc_unreachable');
      return fail('device_failure');
    }
  }

  /** A write: map it onto tags, authorize each, forward once all are authorized, settle the outcomes. */
  private async write(frame: Frame, part: WritePart, client: Client, route: Route): Promise<Buffer> {
    const fc = part.fc;
    const answer = (code: number) => exceptionFrame(frame.tid, frame.unit, fc, code);
    const where = `${route.device.id} ${part.table} ${part.start}`;
    const refuse = async (value: string, code: RefusalCode, reason: string) => {
      await this.refuse(client, where, value, code, reason);
      return answer(this.exceptions[REFUSAL_CODES[code].modbus]);
    };
    try {
      await route.link.ready();
    } catch (err) {
      return refuse(part.values.join(','), 'plc_unavailable', `device ${route.device.id}: ${(err as Error).message}`);
    }

    // FC 22 (mask write) is forwarded as FC 6 with the value the gateway computed, so the
    // intent names exactly what the PLC applies (a relative mask on a register that changed
    // in between would apply something else).
    let effective = part;
    let forward = frame.pdu;
    if (part.mask) {
      if (!route.tags.singleRegisterTag(part.start)) return refuse('', 'unknown_tag', `FC 22 on ${where}: not a single-register tag`);
      const current = (await this.readPlc(route, 3, part.start, 1)).readUInt16BE(0);
      const result = ((current & part.mask.and) | (part.mask.or & ~part.mask.and)) & 0xffff;
      effective = { ...part, values: [result] };
      forward = Buffer.from([6, part.start >> 8, part.start & 0xff, result >> 8, result & 0xff]);
    }
    const mapped = route.tags.map(effective);
    if (!mapped.ok) return refuse(effective.values.join(','), 'unknown_tag', mapped.reason);

    const tickets: { ticket: WriteTicket; tw: TagWrite }[] = [];
    const base = { protocol: 'modbus' as const, source: client.source, actor: client.actor, op: 'write' as const };
    for (const tw of mapped.writes) {
      const req: WriteRequest = { ...base, id: randomUUID(), target: tw.tag.name, value: tw.value };
      const verdict = await this.gate.authorize(req);
      if (!verdict.allowed) {
        // Nothing was forwarded: the tickets already granted are provably not applied.
        for (const t of tickets) this.track(settleTicket(t.ticket, { plc: { kind: 'not_sent', reason: `write refused whole: ${tw.tag.name} ${verdict.code}` } }, this.log));
        return answer(this.exceptions[REFUSAL_CODES[verdict.code].modbus]);
      }
      tickets.push({ ticket: verdict.ticket, tw });
    }

    let reply: Buffer;
    try {
      reply = await route.link.request(forward);
    } catch (err) {
      const reason = `PLC did not answer: ${(err as Error).message}`;
      const sent = err instanceof PlcUnavailable && err.sent;
      this.track(this.settle(route, tickets, sent ? { kind: 'unknown', reason } : { kind: 'not_sent', reason }));
      return answer(err instanceof PlcUnavailable && err.noPath ? this.exceptions.no_path : this.exceptions.plc_unreachable);
    }
    const plcException = (reply[0]! & 0x80) !== 0 ? reply[1] : undefined;
    this.track(this.settle(route, tickets, plcException === undefined ? { kind: 'applied' } : { kind: 'rejected', reason: `PLC answered exception 0x${plcException.toString(16).padStart(2, '0')}` }));
    if (plcException !== undefined) return answer(plcException);
    // FC 22 was sent as FC 6: the client gets the FC 22 echo it expects (v1.1b3 6.16).
    return encodeFrame(frame.tid, frame.unit, part.mask ? frame.pdu : reply);
  }

  private async settle(route: Route, tickets: { ticket: WriteTicket; tw: TagWrite }[], plc: PlcOutcome): Promise<void> {
    for (const { ticket, tw } of tickets) {
      const type = tw.tag.type;
      await settleTicket(ticket, { plc, readbackOnAck: tw.tag.readback, readback: () => this.readTag(route, tw.tag.name), valueEquals: (a, b) => valuesEqual(type, a, b) }, this.log);
    }
  }

  /** The PLC's current value of a tag, as a canonical string. */
  async readTag(route: Route, tagName: string): Promise<string | undefined> {
    const tag = route.tags.profile.tags.get(tagName);
    if (!tag?.modbus) return undefined;
    const { table, address, registers, wordOrder } = tag.modbus;
    const fc = ({ coil: 1, discrete: 2, holding: 3, input: 4 } as const)[table];
    const bits = table === 'coil' || table === 'discrete';
    const data = await this.readPlc(route, fc, address, bits ? 1 : registers);
    if (bits) return formatValue('bool', (data[0]! & 1) === 1);
    const regs: number[] = [];
    for (let i = 0; i < registers; i++) regs.push(data.readUInt16BE(i * 2));
    return formatValue(tag.type, decodeRegisters(tag.type, wordOrder, regs));
  }

  /** A read (FC 1-4) of the gateway's own; returns the data bytes after the byte count. */
  private async readPlc(route: Route, fc: 1 | 2 | 3 | 4, address: number, count: number): Promise<Buffer> {
    const pdu = Buffer.from([fc, address >> 8, address & 0xff, count >> 8, count & 0xff]);
    const answer = await route.link.request(pdu);
    if ((answer[0]! & 0x80) !== 0) throw new PlcUnavailable(`device ${route.device.id} answered exception ${answer[1]} reading ${address}`);
    return answer.subarray(2);
  }

  private noteUnknownUnitRead(client: Client, unit: number, fc: number, why: string): void {
    const key = `${client.source.replace(/:\d+$/, '')} ${unit}`;
    const n = this.unknownUnitReads.get(key) ?? { count: 0, loggedAt: 0 };
    n.count++;
    if (Date.now() - n.loggedAt >= 60_000) {
      this.log.warn({ source: client.source, unit, fc, reads: n.count }, `modbus read refused: ${why} (${n.count} such reads from this source since the last line)`);
      n.count = 0;
      n.loggedAt = Date.now();
    }
    this.unknownUnitReads.set(key, n);
  }

  /** A byte stream that is not MBAP (the connection is closed): recorded like any refusal. */
  async refuseFraming(client: Client, detail: string): Promise<void> {
    await this.refuse(client, 'mbap', '', 'malformed', `framing error, connection closed: ${detail}`);
  }

  private async refuse(client: Client, target: string, value: string, code: RefusalCode, reason: string): Promise<void> {
    await this.gate.refuse({ id: randomUUID(), protocol: 'modbus', source: client.source, actor: client.actor, op: 'write', target, value }, code, reason);
  }
}
