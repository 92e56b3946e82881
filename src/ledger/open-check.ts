/**
 * At gateway start (issue 11, defect 7): the chain from the last checkpoint
 * the upstream co-signed to the head is verified before anything is
 * appended: link, hash, the signature of the key each receipt names and that
 * key's window. Bounded: at most OPEN_CHECK_MAX receipts back from the head
 * (when the upstream has not co-signed for longer, or never, the check
 * covers the newest OPEN_CHECK_MAX and says so). A chain shorter than a
 * co-signed size is a truncation. What lies below the co-signed checkpoint
 * is the upstream's copy's and `taogate ledger verify`'s to check.
 */
import { parseCosigned } from './cosigned.js';
import { COSIG_PREFIX } from './keys.js';
import type { Ledger } from './ledger.js';
import { checkLink, checkSeal } from './receipt.js';
import { checkReceiptShape } from './shape.js';
import type { PrevLink } from './receipt.js';
import { keyRef, keyWindowProblem, lookupKey, type KeyLookup } from './verify-key.js';

/** Receipts the open check reads at most (~1 s on one core). */
export const OPEN_CHECK_MAX = 20_000;

export interface OpenCheck {
  /** First and last seq checked (from > to: nothing to check). */
  readonly from: number;
  readonly to: number;
  /** The largest co-signed checkpoint size the dir stores (0: none). */
  readonly cosigned: number;
  /** The check stopped OPEN_CHECK_MAX receipts back instead of at the co-signed checkpoint. */
  readonly bounded: boolean;
  /** The first receipt that failed, and why. */
  readonly bad?: { readonly seq: number; readonly reason: string };
}

export async function checkSinceCosigned(ledger: Ledger, keyFor: KeyLookup, max = OPEN_CHECK_MAX): Promise<OpenCheck> {
  const head = ledger.head.seq;
  const cosigned = (await parseCosigned(ledger.sideEntries(COSIG_PREFIX))).at(-1)?.size ?? 0;
  if (head + 1 < cosigned) return { from: head + 1, to: head, cosigned, bounded: false, bad: { seq: head + 1, reason: `truncated: the upstream co-signed a checkpoint of ${cosigned} receipts, the chain ends at seq ${head}` } };
  const wanted = Math.max(0, cosigned - 1);
  const from = Math.max(wanted, head - max + 1, 0);
  let prev: PrevLink | null = null;
  for await (const r of ledger.iterate({ from, to: head })) {
    const bad = (reason: string): OpenCheck => ({ from, to: head, cosigned, bounded: from > wanted, bad: { seq: r.seq, reason } });
    const shape = checkReceiptShape(r);
    if (shape) return bad(`malformed: ${shape}`);
    // The first receipt's own link is below the checked range (its predecessor is covered by the co-signature).
    const link = prev || r.seq === 0 ? checkLink(r, prev) : null;
    if (link) return bad(`${link.reason}: ${link.detail}`);
    const key = lookupKey(keyFor, keyRef(r));
    if (!key) return bad(`unknown gateway key ${r.kid ?? `for gateway '${r.gateway}'`}`);
    const seal = checkSeal(r, key.publicKey);
    if (seal) return bad(`${seal.reason}: ${seal.detail}`);
    const window = keyWindowProblem(r, key);
    if (window) return bad(window.reason);
    prev = { seq: r.seq, hash: r.hash, ts: r.ts };
  }
  if (head >= from && prev?.seq !== head) return { from, to: head, cosigned, bounded: from > wanted, bad: { seq: (prev?.seq ?? from - 1) + 1, reason: 'gap: the receipts do not reach the head' } };
  return { from, to: head, cosigned, bounded: from > wanted };
}
