/**
 * Where the historian reads receipts from, through one small type:
 *
 * - `ledgerDirFeed(dir)`: a ledger dir that no process holds open (a
 *   stopped gateway, an upstream copy taken offline, a backup). Every poll
 *   opens the dir, reads, and closes it. LevelDB allows one process per dir,
 *   so a dir held by a running gateway or upstream answers `LedgerBusy`.
 * - `copyFeed(copy)`: the upstream's verified copy, in-process (`taogate
 *   upstream --influx URL`): the robust way to follow a live chain, since it
 *   only ever exports receipts the upstream has verified.
 */
import type { Receipt } from '../ledger/index.js';
import { HEAD_KEY, parseHead, receiptRange } from '../ledger/keys.js';
import { LedgerOpenError, openLevel } from '../ledger/level.js';
import type { GatewayCopy } from '../replication/gateway-copy.js';

export interface ReceiptFeed {
  readonly name: string;
  /** Reads receipts from..to (inclusive, at most `limit`) and the current head seq. */
  read(from: number, limit: number): Promise<{ head: number; receipts: Receipt[] }>;
  /** Resolves when something may have changed (or after `ms`). */
  wait(ms: number): Promise<void>;
}

export class LedgerBusy extends Error {
  constructor(dir: string) {
    super(`ledger ${dir} is held open by another process (a running gateway or upstream): run the historian in that process (taogate upstream --influx URL) or point --data at a ledger that is not open`);
    this.name = 'LedgerBusy';
  }
}

export function ledgerDirFeed(dir: string): ReceiptFeed {
  return {
    name: dir,
    async read(from, limit) {
      let db;
      try {
        db = await openLevel(dir, { create: false });
      } catch (err) {
        if (err instanceof LedgerOpenError && /already open/.test(err.message)) throw new LedgerBusy(dir);
        throw err;
      }
      try {
        const head = parseHead(((await db.get(HEAD_KEY)) as string | undefined) ?? '{"seq":-1,"hash":""}')?.seq ?? -1;
        const receipts: Receipt[] = [];
        if (from <= head) {
          for await (const [, raw] of db.iterator({ ...receiptRange(from, Math.min(head, from + limit - 1)) })) receipts.push(JSON.parse(raw) as Receipt);
        }
        return { head, receipts };
      } finally {
        await db.close();
      }
    },
    wait: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}

export function copyFeed(copy: GatewayCopy): ReceiptFeed {
  let wake: (() => void) | undefined;
  copy.onAppend(() => wake?.());
  return {
    name: `${copy.dir} (upstream copy)`,
    async read(from, limit) {
      const head = copy.held.seq;
      const receipts: Receipt[] = [];
      for await (const r of copy.iterate(from, Math.min(head, from + limit - 1))) receipts.push(r);
      return { head, receipts };
    },
    wait: (ms) =>
      new Promise((r) => {
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          wake = undefined;
          r();
        }
        wake = done;
      }),
  };
}
