/**
 * Reads of an open ledger: receipts by seq and range, the open-intent and
 * staged indexes. Stored receipts are parsed, not verified: verification is
 * verify.ts's job and reads the same records.
 */
import { INTENT_PREFIX, prefixRange, receiptKey, receiptRange, seqOfKey, STAGED_PREFIX, RECEIPT_PREFIX } from './keys.js';
import type { LedgerDb } from './level.js';
import type { StagedValue } from './batch.js';
import type { Receipt } from './types.js';

export interface StagedTao {
  jti: string;
  envelope: string;
  /** Expiry, seconds since epoch. */
  exp: number;
  /** Seq of the 'staged' receipt. */
  seq: number;
}

export class LedgerReader {
  constructor(
    private readonly db: LedgerDb,
    private readonly dir: string,
  ) {}

  async get(seq: number): Promise<Receipt | undefined> {
    if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
    const raw = (await this.db.get(receiptKey(seq))) as string | undefined;
    return raw === undefined ? undefined : this.parse(raw, seq);
  }

  async *iterate(from: number, to: number): AsyncGenerator<Receipt> {
    if (to < from || to < 0) return;
    for await (const [key, raw] of this.db.iterator(receiptRange(Math.max(0, from), to))) {
      yield this.parse(raw, seqOfKey(key, RECEIPT_PREFIX));
    }
  }

  async last(n: number): Promise<Receipt[]> {
    if (!(n > 0)) return [];
    const out: Receipt[] = [];
    for await (const [key, raw] of this.db.iterator({ ...prefixRange(RECEIPT_PREFIX), reverse: true, limit: Math.floor(n) })) {
      out.push(this.parse(raw, seqOfKey(key, RECEIPT_PREFIX)));
    }
    return out.reverse();
  }

  async openIntents(): Promise<Receipt[]> {
    const seqs: number[] = [];
    for await (const key of this.db.keys(prefixRange(INTENT_PREFIX))) seqs.push(seqOfKey(key, INTENT_PREFIX));
    const valid = seqs.filter((s) => Number.isSafeInteger(s));
    if (valid.length === 0) return [];
    const raws = (await this.db.getMany(valid.map(receiptKey))) as (string | undefined)[];
    const out: Receipt[] = [];
    raws.forEach((raw, i) => {
      if (raw !== undefined) out.push(this.parse(raw, valid[i] as number));
    });
    return out;
  }

  async stagedTaos(): Promise<StagedTao[]> {
    const out: StagedTao[] = [];
    for await (const [key, raw] of this.db.iterator(prefixRange(STAGED_PREFIX))) {
      const jti = key.slice(STAGED_PREFIX.length);
      let v: StagedValue;
      try {
        v = JSON.parse(raw) as StagedValue;
      } catch {
        throw new Error(`ledger ${this.dir}: staged TAO ${jti} is not valid JSON`);
      }
      out.push({ jti, envelope: v.envelope, exp: v.exp, seq: v.seq });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  private parse(raw: string, seq: number): Receipt {
    try {
      return JSON.parse(raw) as Receipt;
    } catch {
      throw new Error(`ledger ${this.dir}: receipt ${seq} is not valid JSON (run 'taogate ledger verify')`);
    }
  }
}
