/**
 * Chain health for the console: a full verify (on start and on demand) with
 * the same verifyRecords the CLI runs, fed from the OPEN ledger's iterate()
 * (the folder is locked by the gateway), and a running check of every new
 * receipt against the one before it with the pure checkReceipt.
 */
import { toHex } from '../crypto/encoding.js';
import { checkLink, checkReceipt, checkReceiptShape, receiptHash, verifyRecords, type Ledger, type PrevLink, type Receipt, type ReceiptProblem, type RecordSource } from '../ledger/index.js';
import { keyWindowProblem } from '../ledger/verify-key.js';
import { receiptKeyLookup } from '../tao/receipt-keys.js';
import type { TrustStore } from '../tao/truststore.js';

export interface VerifyResult {
  readonly ok: boolean;
  readonly count: number;
  readonly head: string;
  readonly firstBad?: number;
  readonly reason?: string;
  /** When it finished (ms since epoch) and how long it took. */
  readonly at: number;
  readonly ms: number;
}

export interface ChainStatus {
  readonly available: boolean;
  readonly count: number;
  readonly headSeq: number;
  readonly head: string;
  readonly lastVerify?: VerifyResult;
  readonly verifying: boolean;
  /** The running check of new receipts: the last seq it checked, and the first problem it found. */
  readonly checkedTo: number;
  readonly problem?: string;
  /** Receipts not yet acknowledged upstream; null shows as "n/a" until replication exists. */
  readonly replicationLag: number | null;
}

/** The open ledger as a record source for verifyRecords. */
export function openLedgerRecords(ledger: Ledger): RecordSource {
  const head = ledger.head;
  return {
    storedHead: () => JSON.stringify({ seq: head.seq, hash: head.hash }),
    async *[Symbol.asyncIterator]() {
      for await (const r of ledger.iterate({ to: head.seq })) yield { key: r.seq, raw: JSON.stringify(r) };
    },
  };
}

/** Most seals of own appends remembered while the running check catches up (beyond: full checks). */
const OWN_SEALS_MAX = 65_536;

/**
 * A receipt whose hash and signature are byte for byte the ones this process
 * sealed: its signature holds by construction, so only shape, link and the
 * hash over the stored fields are checked (the hash binds the stored fields
 * to the signed hash).
 */
function checkOwnReceipt(r: Receipt, prev: PrevLink | null): ReceiptProblem | null {
  const shape = checkReceiptShape(r);
  if (shape) return { reason: 'malformed', detail: shape };
  const link = checkLink(r, prev);
  if (link) return link;
  let computed: string;
  try {
    computed = toHex(receiptHash(r));
  } catch (err) {
    return { reason: 'malformed', detail: `body is not canonical JSON: ${(err as Error).message}` };
  }
  return computed === r.hash ? null : { reason: 'hash mismatch', detail: `stored hash ${r.hash}, computed ${computed}` };
}

export class ChainHealth {
  private last: VerifyResult | undefined;
  /**
   * Seals (hash and signature) of receipts this process appended (Ledger.onAppend), by seq, until
   * the running check passes their seq. Held only while someone watches (rewind() drops them all),
   * so an unwatched gateway keeps none: a set that only grew held 65,536 stale seals (~20 MB of
   * heap) after ~33k gated writes and then remembered nothing new.
   */
  private readonly ownSeals = new Map<number, { readonly hash: string; readonly sig: string }>();
  private running: Promise<VerifyResult> | undefined;
  private prev: PrevLink | null = null;
  private problem: string | undefined;
  private ledgerSeen: Ledger | undefined;

  constructor(
    private readonly trust: TrustStore | undefined,
    private readonly replicationLag: () => number | undefined = () => undefined,
  ) {}

  /** By the receipt's kid (the gateway's first key by name for receipts without one). */
  private get keyFor() {
    return receiptKeyLookup(this.trust);
  }

  /** Runs a full verify of the ledger as it is now (one at a time). */
  verify(ledger: Ledger): Promise<VerifyResult> {
    this.running ??= (async () => {
      const started = performance.now();
      try {
        // In the gateway process: stay on the main thread, keep the cores and memory for the gate.
        const report = await verifyRecords(openLedgerRecords(ledger), this.keyFor, { parallel: false });
        const { ok, count, head, firstBad, reason } = report;
        this.last = { ok, count, head, ...(firstBad !== undefined ? { firstBad, reason } : {}), at: Date.now(), ms: Math.round(performance.now() - started) };
      } catch (err) {
        this.last = { ok: false, count: 0, head: '', reason: `could not read the ledger: ${(err as Error).message}`, at: Date.now(), ms: Math.round(performance.now() - started) };
      } finally {
        this.running = undefined;
      }
      return this.last;
    })();
    return this.running;
  }

  /**
   * Remembers the seals of receipts this process just appended and signed.
   * When the running check reads them back from the ledger it skips only the
   * signature verify (~0.1 ms each, the gateway's largest CPU cost per write
   * when it was done for every receipt), and still checks shape, link and hash.
   */
  rememberOwn(receipts: readonly Receipt[]): void {
    for (const r of receipts) {
      if (this.ownSeals.size >= OWN_SEALS_MAX) return;
      if (this.prev === null || r.seq > this.prev.seq) this.ownSeals.set(r.seq, { hash: r.hash, sig: r.sig });
    }
  }

  /** How many seals of own appends are held (what the running check has not passed yet). */
  get remembered(): number {
    return this.ownSeals.size;
  }

  /**
   * The running check lost sight of the chain (nobody watched): it starts again mid-chain, and the
   * seals it holds are dropped (the receipts they belong to will not be read back). A problem found stays.
   */
  rewind(): void {
    this.prev = null;
    this.ownSeals.clear();
  }

  /** The seal remembered for `r`'s seq, if it is r's own; drops every seal up to r's seq (insertion order is seq order). */
  private takeOwn(r: Receipt): boolean {
    const seal = this.ownSeals.get(r.seq);
    for (const seq of this.ownSeals.keys()) {
      if (seq > r.seq) break;
      this.ownSeals.delete(seq);
    }
    return seal !== undefined && seal.hash === r.hash && seal.sig === r.sig;
  }

  /** Checks receipts as they arrive, each against the one before. */
  checkNew(ledger: Ledger, receipts: readonly Receipt[]): void {
    if (ledger !== this.ledgerSeen) {
      this.ledgerSeen = ledger;
      this.prev = null;
      this.problem = undefined;
    }
    for (const r of receipts) {
      if (this.problem) return;
      if (this.prev === null && r.seq !== 0) {
        // Started mid-chain: take this receipt's predecessor on trust of the full verify.
        this.prev = { seq: r.seq - 1, hash: r.prev };
      } else if (this.prev && r.seq <= this.prev.seq) continue;
      const key = this.keyFor(r.gateway, r.kid);
      const own = this.takeOwn(r);
      const problem = key ? (own ? checkOwnReceipt(r, this.prev) : checkReceipt(r, this.prev, key.publicKey)) : { reason: 'bad signature', detail: `no key ${r.kid ?? ''} for gateway ${r.gateway}` };
      if (problem) {
        this.problem = `seq ${r.seq}: ${problem.reason}: ${problem.detail}`;
        return;
      }
      const expired = keyWindowProblem(r, key!);
      if (expired) {
        this.problem = `seq ${r.seq}: ${expired.reason}`;
        return;
      }
      this.prev = { seq: r.seq, hash: r.hash, ts: r.ts };
    }
  }

  status(ledger: Ledger | undefined): ChainStatus {
    const lag = this.replicationLag();
    if (!ledger) return { available: false, count: 0, headSeq: -1, head: '', verifying: false, checkedTo: -1, replicationLag: lag ?? null };
    const head = ledger.head;
    return {
      available: true,
      count: ledger.count,
      headSeq: head.seq,
      head: head.hash,
      ...(this.last ? { lastVerify: this.last } : {}),
      verifying: this.running !== undefined,
      checkedTo: ledger === this.ledgerSeen ? (this.prev?.seq ?? -1) : -1,
      ...(this.problem ? { problem: this.problem } : {}),
      replicationLag: lag ?? null,
    };
  }
}
