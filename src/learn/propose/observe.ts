/**
 * One pass over the transactions in capture order: every write the PLC
 * accepted (or did not answer) with the words it wrote and the words that
 * were there before it, every read answer, and what was left out.
 */
import { PlcMemory, deviceKey } from '../memory.js';
import type { Table } from '../modbus/pdu.js';
import type { Transaction } from '../modbus/transactions.js';
import type { Endpoint } from '../tcp/reassembly.js';

export interface WriteObs {
  readonly device: string;
  readonly table: 'coil' | 'holding';
  readonly start: number;
  readonly values: readonly number[];
  /** Words at the same addresses before this write, when the capture showed them. */
  readonly before: readonly number[] | undefined;
  readonly source: string;
  readonly tsUs: number;
  readonly fc: number;
  readonly answered: boolean;
}

export interface ReadObs {
  readonly device: string;
  readonly table: Table;
  readonly start: number;
  readonly values: readonly number[];
  readonly tsUs: number;
}

export interface DeviceObs {
  readonly key: string;
  readonly server: Endpoint;
  readonly unit: number;
  requests: number;
  firstUs: number;
  lastUs: number;
}

export interface Observations {
  readonly writes: WriteObs[];
  readonly reads: ReadObs[];
  readonly devices: Map<string, DeviceObs>;
  /** Writes the PLC answered with an exception: reported, not learned. */
  readonly rejected: { readonly device: string; readonly source: string; readonly fc: number; readonly start: number; readonly code: number; readonly tsUs: number }[];
  /** FC 22 on a register whose value the capture never showed: the written value is unknown. */
  blindMasks: number;
  /** Function codes seen that are neither reads of a table nor writes. */
  readonly otherFunctions: Map<number, number>;
  unanswered: number;
}

export function observe(transactions: readonly Transaction[]): Observations {
  const memory = new PlcMemory();
  const o: Observations = { writes: [], reads: [], devices: new Map(), rejected: [], blindMasks: 0, otherFunctions: new Map(), unanswered: 0 };
  for (const t of transactions) {
    const device = deviceKey(t);
    const d = o.devices.get(device) ?? { key: device, server: t.server, unit: t.unit, requests: 0, firstUs: t.tsUs, lastUs: t.tsUs };
    d.requests++;
    d.lastUs = t.tsUs;
    o.devices.set(device, d);
    const r = t.request;
    if (!t.response) o.unanswered++;
    if (r.kind === 'other') o.otherFunctions.set(r.fc, (o.otherFunctions.get(r.fc) ?? 0) + 1);
    if (r.kind === 'write' || r.kind === 'mask') {
      if (t.response?.kind === 'exception') {
        o.rejected.push({ device, source: t.client.ip, fc: r.fc, start: r.start, code: t.response.code, tsUs: t.tsUs });
      } else {
        const w = memory.written(t);
        if (!w) o.blindMasks++;
        else {
          o.writes.push({
            device,
            table: w.table === 'coil' ? 'coil' : 'holding',
            start: w.start,
            values: w.values,
            before: memory.get(device, w.table, w.start, w.values.length),
            source: t.client.ip,
            tsUs: t.tsUs,
            fc: r.fc,
            answered: t.response !== undefined,
          });
        }
      }
    }
    if (t.response?.kind === 'values') {
      if (r.kind === 'read') o.reads.push({ device, table: r.table, start: r.start, values: t.response.values.slice(0, r.count), tsUs: t.tsUs });
      if (r.kind === 'write' && r.read) o.reads.push({ device, table: 'holding', start: r.read.start, values: t.response.values.slice(0, r.read.count), tsUs: t.tsUs });
    }
    memory.apply(t);
  }
  return o;
}
