/**
 * What the capture shows of each PLC's registers and coils: the last value
 * written (unless the PLC answered an exception) or read. Learning uses it
 * for the step of each write (new value against the value before it), and
 * replay for the current value the step check needs: both read the same
 * memory, so a learned max_step holds on replay of the same capture.
 */
import type { Transaction } from './modbus/transactions.js';
import type { Table } from './modbus/pdu.js';
import { endpointKey } from './tcp/reassembly.js';

export function deviceKey(t: Pick<Transaction, 'server' | 'unit'>): string {
  return `${endpointKey(t.server)}/${t.unit}`;
}

export class PlcMemory {
  private readonly cells = new Map<string, number>();

  get(device: string, table: Table, start: number, count: number): number[] | undefined {
    const out: number[] = [];
    for (let a = start; a < start + count; a++) {
      const v = this.cells.get(`${device}/${table}/${a}`);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  }

  /** The words a write (or mask write) leaves in the PLC, given what is known before it; undefined for a mask write on an unknown register. */
  written(t: Transaction): { table: Table; start: number; values: readonly number[] } | undefined {
    const r = t.request;
    if (r.kind === 'write') return { table: r.table, start: r.start, values: r.values };
    if (r.kind === 'mask') {
      const cur = this.get(deviceKey(t), 'holding', r.start, 1);
      if (!cur) return undefined;
      return { table: 'holding', start: r.start, values: [((cur[0]! & r.and) | (r.or & ~r.and)) & 0xffff] };
    }
    return undefined;
  }

  /** Applies a transaction after it has been looked at. */
  apply(t: Transaction): void {
    const device = deviceKey(t);
    const r = t.request;
    if (t.response?.kind === 'exception') return;
    const w = this.written(t);
    if (w) this.set(device, w.table, w.start, w.values);
    if (t.response?.kind === 'values') {
      if (r.kind === 'read') this.set(device, r.table, r.start, t.response.values.slice(0, r.count));
      else if (r.kind === 'write' && r.read) this.set(device, 'holding', r.read.start, t.response.values.slice(0, r.read.count));
    }
  }

  private set(device: string, table: Table, start: number, values: readonly number[]): void {
    values.forEach((v, i) => this.cells.set(`${device}/${table}/${start + i}`, v));
  }
}
