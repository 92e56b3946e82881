/**
 * The receipt record: what every write decision leaves behind. A receipt is
 * hash-linked to the one before it (prev) and signed by the gateway.
 * The format is specified in docs/ledger.md; this file is its type.
 */
import type { Json } from '../crypto/canonical.js';

export const RECEIPT_KINDS = [
  'genesis',
  'intent',
  'committed',
  'voided',
  'indeterminate',
  'denied',
  /** Refusals from one source beyond the individually recorded ones, counted by code over an interval. */
  'denied_summary',
  /** A person's signed settlement of an indeterminate outcome (committed or voided). */
  'settled',
  'staged',
  'config',
  'checkpoint',
  'start',
  'stop',
  'key_rotated',
  'alarm',
  /** A break-glass window opened or closed (body.event open|close; the writes in it are intents with path breakglass). */
  'breakglass',
] as const;

export type ReceiptKind = (typeof RECEIPT_KINDS)[number];

export function isReceiptKind(value: unknown): value is ReceiptKind {
  return typeof value === 'string' && (RECEIPT_KINDS as readonly string[]).includes(value);
}

export interface UnsignedReceipt {
  /** 0, 1, 2, ... with no gaps. */
  seq: number;
  /** Hex of the previous receipt's hash; GENESIS_PREV for seq 0. */
  prev: string;
  /** Milliseconds since the epoch, integer, non-decreasing along the chain. */
  ts: number;
  kind: ReceiptKind;
  /** The gateway id whose key signs this chain. */
  gateway: string;
  /**
   * Key id (trust store `kid`) of the key that signed this receipt. Receipts
   * written before key ids existed have none: they verify against the
   * gateway's key found by name (docs/ledger.md "Key ids").
   */
  kid?: string;
  body: Json;
}

export interface Receipt extends UnsignedReceipt {
  /** Hex of receiptHash(the unsigned fields). */
  hash: string;
  /** Standard base64 (padded) of the Ed25519 signature over the 32 hash bytes. */
  sig: string;
}

/** The prev of seq 0, and the head hash of an empty ledger. */
export const GENESIS_PREV = '0'.repeat(64);

/** Where a chain ends: seq -1 and GENESIS_PREV when it is empty. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export const EMPTY_HEAD: ChainHead = Object.freeze({ seq: -1, hash: GENESIS_PREV });
