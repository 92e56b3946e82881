/**
 * Governance's own durable record of break-glass (a LevelDB dir, default
 * DATA/governance/breakglass): the verified break-glass receipts of every
 * gateway, the feed cursor per gateway, and the signed reviews.
 *
 *   r!<gateway>!<seq 16 hex>      a verified receipt (JSON)
 *   c!<gateway>                   cursor: every break-glass receipt up to this seq is held (-1: none)
 *   v!<gateway>!<grant>!<by>      one review of a window by one person (JSON, with the signed statement)
 *
 * Every write is one synced batch.
 */
import { mkdir } from 'node:fs/promises';
import type { Json } from '../crypto/canonical.js';
import type { Receipt } from '../ledger/types.js';
import { openLevel, type LedgerDb } from '../ledger/level.js';
import type { ReviewEntry } from '../breakglass/review-rule.js';

export interface StoredReview extends ReviewEntry {
  readonly gateway: string;
  readonly grant: string;
  /** When governance recorded it (ms since epoch). */
  readonly recordedAt: number;
  /** The signed statement as received ({msg, kid, sig}). */
  readonly statement: Json;
}

const seqHex = (seq: number) => seq.toString(16).padStart(16, '0');
const receiptKey = (gw: string, seq: number) => `r!${gw}!${seqHex(seq)}`;
const cursorKey = (gw: string) => `c!${gw}`;
const reviewKey = (gw: string, grant: string, by: string) => `v!${gw}!${grant}!${by}`;

export class BreakglassStore {
  private readonly cursors = new Map<string, number>();

  private constructor(
    readonly dir: string,
    private readonly db: LedgerDb,
  ) {}

  static async open(dir: string): Promise<BreakglassStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new BreakglassStore(dir, await openLevel(dir, { create: true }));
    for await (const [key, value] of store.db.iterator({ gt: 'c!', lt: 'c"' })) store.cursors.set(key.slice(2), Number(value));
    return store;
  }

  /** Gateways with a cursor (everything ever stored). */
  gateways(): string[] {
    return [...this.cursors.keys()];
  }

  /** The highest seq up to which every break-glass receipt of the gateway is held (-1: none). */
  cursor(gateway: string): number {
    return this.cursors.get(gateway) ?? -1;
  }

  async receipt(gateway: string, seq: number): Promise<Receipt | undefined> {
    if (seq < 0) return undefined;
    const raw = (await this.db.get(receiptKey(gateway, seq))) as string | undefined;
    return raw === undefined ? undefined : (JSON.parse(raw) as Receipt);
  }

  async receipts(gateway: string): Promise<Receipt[]> {
    const out: Receipt[] = [];
    for await (const [, raw] of this.db.iterator({ gt: `r!${gateway}!`, lt: `r!${gateway}!~` })) out.push(JSON.parse(raw) as Receipt);
    return out;
  }

  /** Stores verified receipts and the gateway's cursor, in one synced batch. */
  async put(gateway: string, receipts: readonly Receipt[], cursor: number): Promise<void> {
    const ops = receipts.map((r) => ({ type: 'put' as const, key: receiptKey(gateway, r.seq), value: JSON.stringify(r) }));
    ops.push({ type: 'put', key: cursorKey(gateway), value: String(cursor) });
    await this.db.batch(ops, { sync: true });
    this.cursors.set(gateway, cursor);
  }

  async reviews(): Promise<StoredReview[]> {
    const out: StoredReview[] = [];
    for await (const [, raw] of this.db.iterator({ gt: 'v!', lt: 'v"' })) out.push(JSON.parse(raw) as StoredReview);
    return out;
  }

  async hasReview(gateway: string, grant: string, by: string): Promise<boolean> {
    return (await this.db.get(reviewKey(gateway, grant, by))) !== undefined;
  }

  async putReview(r: StoredReview): Promise<void> {
    await this.db.put(reviewKey(r.gateway, r.grant, r.by), JSON.stringify(r), { sync: true });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
