/**
 * Plans one group-commit batch: assigns seq, prev and ts in arrival order,
 * seals each receipt and lists the LevelDB operations that go into the ONE
 * synced write (receipts, consumed jtis, open-intent and staged index
 * changes, the head). Pure apart from signing: it reads no storage; what
 * the DB knows about consumed jtis is passed in.
 */
import type { Json } from '../crypto/canonical.js';
import type { Signer } from '../crypto/ed25519.js';
import { Refusal } from '../refusal/codes.js';
import type { Outcome } from './group-commit.js';
import { HEAD_KEY, INTENT_OPEN, intentKey, jtiKey, receiptKey, SIDE_PREFIX, stagedKey } from './keys.js';
import { sealReceipt } from './receipt.js';
import type { ChainHead, Receipt, ReceiptKind } from './types.js';

export interface AppendOptions {
  /** jti marked consumed in the same synced batch; the append rejects with Refusal('consumed') if it already is. */
  consume?: string;
  /** seq of the intent this outcome closes: removed from the open-intent index in the same batch. */
  closes?: number;
  /** a pre-issued TAO staged by this receipt (kept until unstaged). */
  stage?: { jti: string; envelope: string; exp: number };
  /** jti of a staged TAO this receipt takes out of the staged set. */
  unstage?: string;
  /**
   * false: the append resolves once written, without waiting for an fsync of
   * its own; it becomes durable with the next synced batch (or the ledger's
   * sync timer, within ~50 ms). For outcome receipts only: a crash may lose
   * them, and start-up reconciliation closes their intent instead. Default true.
   */
  durable?: boolean;
  /**
   * Side-index entries set / cleared in the same batch (names under the side
   * prefix, e.g. the gate's open indeterminate outcomes), so an index can
   * never disagree with the receipts after a crash.
   */
  mark?: { set?: { name: string; value: string }; clear?: string };
}

export interface AppendRequest {
  readonly kind: ReceiptKind;
  readonly body: Json;
  readonly opts: AppendOptions;
}

export type BatchOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

export interface ChainState {
  readonly head: ChainHead;
  readonly lastTs: number;
}

export interface BatchContext {
  readonly gateway: string;
  readonly signer: Signer;
  readonly now: () => number;
  /** True when the DB (or the cache in front of it) already holds this jti as consumed. */
  readonly consumedBefore: (jti: string) => boolean;
}

export interface BatchPlan extends ChainState {
  readonly ops: BatchOp[];
  /** One per request, in order. */
  readonly outcomes: Outcome<Receipt>[];
  /** jtis this batch consumes. */
  readonly consumed: string[];
  /** Receipts this batch appends. */
  readonly appended: number;
}

/** The value stored under a staged TAO's key. */
export interface StagedValue {
  envelope: string;
  exp: number;
  seq: number;
}

export function planBatch(state: ChainState, requests: readonly AppendRequest[], ctx: BatchContext): BatchPlan {
  const ops: BatchOp[] = [];
  const outcomes: Outcome<Receipt>[] = [];
  const consumed: string[] = [];
  const inBatch = new Set<string>();
  let { head, lastTs } = state;

  for (const { kind, body, opts } of requests) {
    const jti = opts.consume;
    if (jti !== undefined && (inBatch.has(jti) || ctx.consumedBefore(jti))) {
      outcomes.push({ ok: false, error: new Refusal('consumed') });
      continue;
    }
    const seq = head.seq + 1;
    const ts = Math.max(ctx.now(), lastTs);
    let receipt: Receipt;
    try {
      receipt = sealReceipt({ seq, prev: head.hash, ts, kind, gateway: ctx.gateway, body }, ctx.signer);
    } catch (error) {
      outcomes.push({ ok: false, error });
      continue;
    }
    ops.push({ type: 'put', key: receiptKey(seq), value: JSON.stringify(receipt) });
    if (jti !== undefined) {
      ops.push({ type: 'put', key: jtiKey(jti), value: String(seq) });
      inBatch.add(jti);
      consumed.push(jti);
    }
    if (kind === 'intent') ops.push({ type: 'put', key: intentKey(seq), value: INTENT_OPEN });
    if (opts.closes !== undefined) ops.push({ type: 'del', key: intentKey(opts.closes) });
    if (opts.stage) {
      const staged: StagedValue = { envelope: opts.stage.envelope, exp: opts.stage.exp, seq };
      ops.push({ type: 'put', key: stagedKey(opts.stage.jti), value: JSON.stringify(staged) });
    }
    if (opts.unstage !== undefined) ops.push({ type: 'del', key: stagedKey(opts.unstage) });
    if (opts.mark?.set) ops.push({ type: 'put', key: SIDE_PREFIX + opts.mark.set.name, value: opts.mark.set.value });
    if (opts.mark?.clear !== undefined) ops.push({ type: 'del', key: SIDE_PREFIX + opts.mark.clear });
    head = { seq, hash: receipt.hash };
    lastTs = ts;
    outcomes.push({ ok: true, value: receipt });
  }
  const appended = outcomes.filter((o) => o.ok).length;
  if (appended > 0) ops.push({ type: 'put', key: HEAD_KEY, value: JSON.stringify({ seq: head.seq, hash: head.hash }) });
  return { ops, outcomes, consumed, appended, head, lastTs };
}

/** Refuses option values that would corrupt the indexes; returns the problem or null. */
export function checkAppendOptions(opts: AppendOptions): string | null {
  const jti = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 256;
  if (opts.consume !== undefined && !jti(opts.consume)) return 'consume must be a non-empty jti string';
  if (opts.closes !== undefined && !(Number.isSafeInteger(opts.closes) && opts.closes >= 0)) return 'closes must be a receipt seq';
  if (opts.unstage !== undefined && !jti(opts.unstage)) return 'unstage must be a non-empty jti string';
  if (opts.stage !== undefined) {
    const { jti: j, envelope, exp } = opts.stage;
    if (!jti(j) || typeof envelope !== 'string' || !Number.isSafeInteger(exp)) return 'stage must be {jti, envelope, exp (integer seconds)}';
  }
  if (opts.durable !== undefined && typeof opts.durable !== 'boolean') return 'durable must be a boolean';
  const sideName = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 200;
  if (opts.mark !== undefined) {
    const { set, clear } = opts.mark;
    if (set !== undefined && !(sideName(set.name) && typeof set.value === 'string' && set.value.length > 0)) return 'mark.set must be {name, value} strings, value not empty';
    if (clear !== undefined && !sideName(clear)) return 'mark.clear must be a side key name';
  }
  // Consuming or staging a TAO must be durable before anything acts on it.
  if (opts.durable === false && (opts.consume !== undefined || opts.stage !== undefined || opts.unstage !== undefined)) return 'consume / stage / unstage appends are always durable';
  return null;
}
