/** Reading the gateway's ledger and the simulator's logs from OPC UA front tests. */
import type { Receipt } from '../../src/ledger/types.js';
import type { Cell } from '../helpers/cell.js';

export type Body = Record<string, unknown>;

export async function receipts(cell: Cell, from = 0): Promise<Receipt[]> {
  const out: Receipt[] = [];
  for await (const r of cell.gateway.ledger.iterate({ from })) out.push(r);
  return out;
}

export function bodyOf(r: Receipt): Body {
  return r.body as Body;
}

/** The receipts appended after `seq` (the ledger head before an action). */
export async function since(cell: Cell, seq: number): Promise<Receipt[]> {
  return receipts(cell, seq + 1);
}

export function head(cell: Cell): number {
  return cell.gateway.ledger.head.seq;
}

/** Waits until `check` passes (outcome receipts are written after the client has its answer). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, ms = 3000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
