/**
 * After a failed LevelDB write the handle is not trusted again (issue 11,
 * defect 1): LevelDB may hold a torn record at the end of its log, and
 * records written after it through the same handle can be dropped at the
 * next open ("checksum mismatch"), so receipts reported durable would
 * vanish and their seqs be reused. Instead the ledger closes the handle and
 * reopens the dir (LevelDB replays its log and starts a fresh one), then
 * proves the tail before any new append:
 *
 *   1. the head recovers (recover.ts: the head key names the last receipt);
 *   2. every receipt ever reported durable is still there: the chain reaches
 *      at least the last durable seq, with the same hash there;
 *   3. the last TAIL_CHECK receipts link, hash and (where signed by this
 *      gateway's current key) verify;
 *   4. a synced write succeeds (the disk takes writes again).
 *
 * Any failure closes the handle again and the ledger keeps refusing
 * (Refusal 'ledger_unavailable'); the next append tries again.
 */
import type { Signer } from '../crypto/ed25519.js';
import { Refusal } from '../refusal/codes.js';
import { receiptKey, SIDE_PREFIX } from './keys.js';
import { openLevel, type LedgerDb } from './level.js';
import { LedgerReader } from './reader.js';
import { checkLink, checkSeal } from './receipt.js';
import { recoverHead, type RecoveredState } from './recover.js';
import type { ChainHead, Receipt } from './types.js';

/** Receipts at the end of the chain re-checked after a reopen. */
export const TAIL_CHECK = 64;
export const SYNC_KEY = `${SIDE_PREFIX}sync`;

export interface Reopened {
  readonly db: LedgerDb;
  readonly state: RecoveredState;
}

/** Reopens `dir` and proves its tail, or throws Refusal('ledger_unavailable') saying why (the dir is closed again then). */
export async function reopenChecked(dir: string, durable: ChainHead, signer: Signer): Promise<Reopened> {
  let db: LedgerDb;
  try {
    db = await openLevel(dir, { create: false });
  } catch (err) {
    throw new Refusal('ledger_unavailable', `ledger ${dir}: reopen after a failed write failed: ${(err as Error).message}`, { cause: err });
  }
  try {
    const state = await recoverHead(db, dir);
    await checkDurableKept(db, dir, state, durable);
    await checkTail(new LedgerReader(db, dir), dir, state.head, signer);
    await db.put(SYNC_KEY, String(state.head.seq), { sync: true });
    return { db, state };
  } catch (err) {
    await db.close().catch(() => undefined);
    if (err instanceof Refusal) throw err;
    throw new Refusal('ledger_unavailable', `ledger ${dir}: the tail could not be proven after a failed write: ${(err as Error).message}`, { cause: err });
  }
}

async function checkDurableKept(db: LedgerDb, dir: string, state: RecoveredState, durable: ChainHead): Promise<void> {
  if (durable.seq < 0) return;
  const lost = (why: string) => new Refusal('ledger_unavailable', `ledger ${dir}: receipts reported durable are gone (${why}); refusing to append (seqs would be reused)`);
  if (state.head.seq < durable.seq) throw lost(`the chain ends at seq ${state.head.seq}, seq ${durable.seq} was durable`);
  const raw = (await db.get(receiptKey(durable.seq))) as string | undefined;
  const stored = raw === undefined ? undefined : (JSON.parse(raw) as Receipt).hash;
  if (stored !== durable.hash) throw lost(`receipt ${durable.seq} changed`);
}

async function checkTail(reader: LedgerReader, dir: string, head: ChainHead, signer: Signer): Promise<void> {
  if (head.seq < 0) return;
  const from = Math.max(0, head.seq - TAIL_CHECK + 1);
  let prev: { seq: number; hash: string; ts: number } | null = null;
  for await (const r of reader.iterate(from, head.seq)) {
    const bad = (why: string) => new Refusal('ledger_unavailable', `ledger ${dir}: receipt ${r.seq} after reopen: ${why}`);
    if (prev) {
      const link = checkLink(r, prev);
      if (link) throw bad(`${link.reason}: ${link.detail}`);
    }
    // Hash always; the signature where this gateway's current key made it (other keys: ledger verify's job).
    const seal = checkSeal(r, signer.publicKey);
    if (seal && (seal.reason !== 'bad signature' || r.kid === signer.keyId)) throw bad(`${seal.reason}: ${seal.detail}`);
    prev = { seq: r.seq, hash: r.hash, ts: r.ts };
  }
  if (!prev || prev.seq !== head.seq || prev.hash !== head.hash) throw new Refusal('ledger_unavailable', `ledger ${dir}: the tail does not end at the head after reopen`);
}
