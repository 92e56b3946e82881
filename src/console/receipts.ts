/**
 * The receipts view's server side: what a person reads of a receipt (kind,
 * actor, tag, value, outcome, TAO id, signing key), pushed to pages as the
 * ledger grows, with the stored receipt itself so the page verifies it.
 * The gateway holds the ledger open (LevelDB lock), so this reads through the
 * open Ledger, never by opening the folder a second time.
 */
import type { Ledger, Receipt } from '../ledger/index.js';

export interface ReceiptRow {
  readonly seq: number;
  readonly ts: number;
  readonly kind: string;
  readonly actor: string;
  readonly target: string;
  readonly value: string;
  /** authorized | committed | voided | indeterminate | refused: CODE | '' */
  readonly outcome: string;
  readonly jti: string;
  readonly protocol: string;
  readonly reason: string;
  readonly hash: string;
  /** The key that signed the receipt (its kid; '' for receipts written before key ids). */
  readonly kid: string;
  /** The break-glass grant a receipt belongs to (window open/close, a write in the window), else ''. */
  readonly grant: string;
  /** The receipt as stored: the page recomputes its hash and checks its signature itself (public/verify.js). */
  readonly receipt: Receipt;
}

export function receiptRow(r: Receipt): ReceiptRow {
  const b = (typeof r.body === 'object' && r.body !== null && !Array.isArray(r.body) ? r.body : {}) as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' || typeof b[k] === 'number' ? String(b[k]) : '');
  return {
    seq: r.seq,
    ts: r.ts,
    kind: r.kind,
    actor: str('actor'),
    target: str('target'),
    value: str('value'),
    outcome: b.path === 'breakglass' && r.kind === 'intent' ? 'authorized: BREAK-GLASS' : r.kind === 'breakglass' ? `BREAK-GLASS ${str('event')}${str('why') ? `: ${str('why')}` : ''}` : outcomeOf(r.kind, str('code')),
    jti: str('jti'),
    protocol: str('protocol'),
    reason: str('reason'),
    hash: r.hash,
    kid: r.kid ?? '',
    grant: b.path === 'breakglass' || r.kind === 'breakglass' ? str('grant') : '',
    receipt: r,
  };
}

function outcomeOf(kind: string, code: string): string {
  switch (kind) {
    case 'intent':
      return 'authorized';
    case 'committed':
    case 'voided':
    case 'indeterminate':
      return kind;
    case 'denied':
      return `refused: ${code || 'unknown'}`;
    default:
      return '';
  }
}

/**
 * Every receipt after `afterSeq` up to the head as it is now, in pages of at
 * most `pageSize` (oldest first), so a caller checks each one against the one
 * before however many arrived since it last looked.
 */
export async function* receiptPagesAfter(ledger: Ledger, afterSeq: number, pageSize: number): AsyncGenerator<Receipt[]> {
  const head = ledger.head.seq;
  for (let from = afterSeq + 1; from <= head; from += pageSize) {
    const page: Receipt[] = [];
    for await (const r of ledger.iterate({ from, to: Math.min(head, from + pageSize - 1) })) page.push(r);
    if (page.length === 0) return;
    yield page;
  }
}
