/**
 * Finds where a ledger dir's chain ends when it is opened: the stored head,
 * cross-checked against the last stored receipt. A missing head (receipts
 * but no 'h') is recovered from the last receipt; a head that disagrees with
 * the last receipt means the dir was damaged, and opening fails rather than
 * append to a chain that cannot be trusted.
 */
import { toHex } from '../crypto/encoding.js';
import { HEAD_KEY, parseHead, prefixRange, RECEIPT_PREFIX, seqOfKey } from './keys.js';
import type { LedgerDb } from './level.js';
import { LedgerOpenError } from './level.js';
import { receiptHash } from './receipt.js';
import { checkReceiptShape } from './shape.js';
import { EMPTY_HEAD, type ChainHead, type Receipt } from './types.js';

export interface RecoveredState {
  readonly head: ChainHead;
  readonly lastTs: number;
}

export async function recoverHead(db: LedgerDb, dir: string): Promise<RecoveredState> {
  const rawHead = (await db.get(HEAD_KEY)) as string | undefined;
  const last = await lastStoredReceipt(db);
  const verifyHint = `run 'taogate ledger verify --data ${dir}'`;

  if (rawHead === undefined) {
    if (!last) return { head: EMPTY_HEAD, lastTs: 0 };
    const r = parseTrusted(last.raw, last.seq, dir, verifyHint);
    return { head: { seq: r.seq, hash: r.hash }, lastTs: r.ts };
  }

  const head = parseHead(rawHead);
  if (!head) throw new LedgerOpenError(dir, `ledger ${dir}: the stored head is not {seq, hash}; ${verifyHint}`);
  if (!last) {
    if (head.seq === -1) return { head: EMPTY_HEAD, lastTs: 0 };
    throw new LedgerOpenError(dir, `ledger ${dir}: the head says seq ${head.seq} but there are no receipts; ${verifyHint}`);
  }
  const r = parseTrusted(last.raw, last.seq, dir, verifyHint);
  if (r.seq !== head.seq || r.hash !== head.hash) {
    throw new LedgerOpenError(dir, `ledger ${dir}: the head (seq ${head.seq}) does not match the last receipt (seq ${r.seq}); ${verifyHint}`);
  }
  return { head: { seq: r.seq, hash: r.hash }, lastTs: r.ts };
}

async function lastStoredReceipt(db: LedgerDb): Promise<{ seq: number; raw: string } | undefined> {
  for await (const [key, raw] of db.iterator({ ...prefixRange(RECEIPT_PREFIX), reverse: true, limit: 1 })) {
    return { seq: seqOfKey(key, RECEIPT_PREFIX), raw };
  }
  return undefined;
}

/** The last receipt must at least be well formed and hash to what it says: new receipts link to it. */
function parseTrusted(raw: string, key: number, dir: string, hint: string): Receipt {
  let r: unknown;
  try {
    r = JSON.parse(raw);
  } catch {
    throw new LedgerOpenError(dir, `ledger ${dir}: the last receipt (key ${key}) is not JSON; ${hint}`);
  }
  const shape = checkReceiptShape(r);
  if (shape) throw new LedgerOpenError(dir, `ledger ${dir}: the last receipt (key ${key}) is malformed (${shape}); ${hint}`);
  const receipt = r as Receipt;
  if (receipt.seq !== key) throw new LedgerOpenError(dir, `ledger ${dir}: the last receipt is stored under key ${key} but says seq ${receipt.seq}; ${hint}`);
  let hash: string;
  try {
    hash = toHex(receiptHash(receipt));
  } catch {
    hash = '';
  }
  if (hash !== receipt.hash) throw new LedgerOpenError(dir, `ledger ${dir}: the last receipt (seq ${key}) does not hash to its hash; ${hint}`);
  return receipt;
}
