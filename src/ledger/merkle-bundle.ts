/**
 * The offline proof bundle of one write (docs/ledger.md "Bundle"): the TAO,
 * its intent and outcome receipts, an inclusion proof of each in a checkpoint
 * the upstream cosigned, and that checkpoint's signed note. The file is the
 * canonical JSON of the bundle plus a newline, so any changed byte is caught.
 *
 * Built from a ledger dir that is not held open (the gateway's, or the
 * upstream's copy): reads the receipt hashes of [0, size) to build the tree
 * in memory (measured in docs/ledger.md), and the stored cosignatures.
 */
import { canonicalize, type Json } from '../crypto/canonical.js';
import { COSIG_PREFIX, prefixRange, receiptKey, receiptRange, SIDE_PREFIX } from './keys.js';
import { openLevel, type LedgerDb } from './level.js';
import { inclusionProof } from './merkle-proof.js';
import { MemoryTree, receiptLeafHash } from './merkle.js';
import { toHex } from '../crypto/encoding.js';
import type { Receipt } from './types.js';

export const BUNDLE_TYPE = 'taogate.bundle.v1';
export const OUTCOME_KINDS = ['committed', 'voided', 'indeterminate'] as const;

export interface Bundle {
  type: typeof BUNDLE_TYPE;
  gateway: string;
  seq: number;
  tao: Json;
  receipts: Receipt[];
  checkpoint: { size: number; note: string };
  proofs: { seq: number; path: string[] }[];
}

export class BundleError extends Error {
  constructor(
    message: string,
    /** True when a later cosigned checkpoint would make the bundle possible. */
    readonly pending = false,
  ) {
    super(message);
    this.name = 'BundleError';
  }
}

export async function buildBundle(dir: string, seq: number): Promise<Bundle> {
  const db = await openLevel(dir, { create: false });
  try {
    let first = await read(db, seq);
    if (!first) throw new BundleError(`no receipt ${seq} in ${dir}`);
    if ((OUTCOME_KINDS as readonly string[]).includes(first.kind)) {
      const intentSeq = (first.body as { intent?: unknown }).intent;
      const intent = typeof intentSeq === 'number' ? await read(db, intentSeq) : undefined;
      if (!intent) throw new BundleError(`receipt ${seq} is a ${first.kind} receipt without a readable intent`);
      first = intent;
    }
    if (first.kind !== 'intent') throw new BundleError(`receipt ${seq} is a '${first.kind}' receipt, not a write (intent or its outcome)`);
    const intent = first;
    const outcome = await findOutcome(db, intent);
    if (!outcome) throw new BundleError(`intent ${intent.seq} has no outcome receipt yet`, true);
    const cp = await coveringCheckpoint(db, outcome.seq);
    const tree = new MemoryTree();
    for await (const [, raw] of db.iterator(receiptRange(0, cp.size - 1))) tree.append(receiptLeafHash((JSON.parse(raw) as Receipt).hash));
    if (tree.size !== cp.size) throw new BundleError(`the ledger has ${tree.size} receipts below the checkpoint size ${cp.size}`);
    const proofs = [intent, outcome].map((r) => ({ seq: r.seq, path: inclusionProof(r.seq, cp.size, tree.nodeAt).map(toHex) }));
    const tao = (intent.body as { tao?: Json }).tao;
    if (tao === undefined) throw new BundleError(`intent ${intent.seq} carries no TAO`);
    return { type: BUNDLE_TYPE, gateway: intent.gateway, seq: intent.seq, tao, receipts: [intent, outcome], checkpoint: cp, proofs };
  } finally {
    await db.close();
  }
}

export function bundleText(b: Bundle): string {
  return `${canonicalize(b)}\n`;
}

async function read(db: LedgerDb, seq: number): Promise<Receipt | undefined> {
  const raw = (await db.get(receiptKey(seq))) as string | undefined;
  return raw === undefined ? undefined : (JSON.parse(raw) as Receipt);
}

async function findOutcome(db: LedgerDb, intent: Receipt): Promise<Receipt | undefined> {
  for await (const [, raw] of db.iterator({ gt: receiptKey(intent.seq), lt: receiptKey(Number.MAX_SAFE_INTEGER) })) {
    const r = JSON.parse(raw) as Receipt;
    if ((OUTCOME_KINDS as readonly string[]).includes(r.kind) && (r.body as { intent?: unknown }).intent === intent.seq) return r;
  }
  return undefined;
}

/** The smallest cosigned checkpoint that covers `seq` (size > seq). */
async function coveringCheckpoint(db: LedgerDb, seq: number): Promise<{ size: number; note: string }> {
  let latest = -1;
  for await (const [, raw] of db.iterator(prefixRange(SIDE_PREFIX + COSIG_PREFIX))) {
    const v = JSON.parse(raw) as { size: number; note: string };
    latest = Math.max(latest, v.size);
    if (v.size > seq) return { size: v.size, note: v.note };
  }
  throw new BundleError(`no cosigned checkpoint covers receipt ${seq} yet (largest cosigned size: ${latest < 0 ? 'none' : latest}); wait for the next checkpoint to be cosigned by the upstream`, true);
}
