/**
 * verifyBundle: the auditor's offline check of a proof bundle, on bytes,
 * with @noble/ed25519 (src/crypto/noble.ts) and the pure proof functions;
 * nothing of the gateway is contacted. A table of contents of named checks,
 * in order; the first failure is the answer, with a code from a closed list:
 *
 *   malformed        not UTF-8 / JSON, wrong field set or types
 *   not_canonical    the bytes are not the canonical JSON of the bundle (edited)
 *   unknown_key      no trusted key for the gateway or the TAO issuer
 *   receipt_invalid  a receipt's shape, hash or gateway signature
 *   not_linked       the receipts are not this write's intent and outcome, or the TAO is not the intent's
 *   tao_invalid      the TAO fails the TAO verification pipeline at the time it was used
 *   checkpoint_invalid  the checkpoint note is malformed, not the gateway's, or says another size
 *   not_cosigned     no valid cosignature by a trusted upstream key
 *   proof_invalid    an inclusion proof does not lead to the checkpoint root
 */
import { canonicalize } from '../crypto/canonical.js';
import { fromB64, fromHex } from '../crypto/encoding.js';
import { nobleVerifySignature } from '../crypto/verify.js';
import { receiptKeyLookup } from '../tao/receipt-keys.js';
import { keyWindowProblem } from './verify-key.js';
import { verifyTaoSync } from '../tao/verify.js';
import type { TrustedKey, TrustStore } from '../tao/truststore.js';
import { BUNDLE_TYPE, OUTCOME_KINDS, type Bundle } from './merkle-bundle.js';
import { noteCosignedBy, noteSignedBy, parseCheckpointBody, parseNote } from './merkle-note.js';
import { checkInclusion } from './merkle-verify.js';
import { receiptLeafHash } from './merkle.js';
import { receiptHash } from './receipt.js';
import { checkReceiptShape } from './shape.js';
import type { Receipt } from './types.js';

export const BUNDLE_FAILURES = ['malformed', 'not_canonical', 'unknown_key', 'receipt_invalid', 'not_linked', 'tao_invalid', 'checkpoint_invalid', 'not_cosigned', 'proof_invalid'] as const;
export type BundleFailure = (typeof BUNDLE_FAILURES)[number];

export type BundleVerdict =
  | { ok: true; gateway: string; seq: number; outcome: string; checkpointSize: number; cosignedAt: number; jti: string }
  | { ok: false; code: BundleFailure; reason: string };

class Failed extends Error {
  constructor(
    readonly code: BundleFailure,
    message: string,
  ) {
    super(message);
  }
}
const fail = (code: BundleFailure, reason: string): never => {
  throw new Failed(code, reason);
};

/** TAO time-window tolerance when checking a TAO at the time of its intent receipt. */
export const BUNDLE_SKEW_SECONDS = 120;

export function verifyBundle(bytes: Uint8Array, trust: TrustStore): BundleVerdict {
  try {
    const b = parse(bytes);
    const keyOf = receiptKeyLookup(trust);
    const [intent, outcome] = b.receipts as [Receipt, Receipt];
    checkReceiptSealed(intent, 'intent', keyOf);
    checkReceiptSealed(outcome, 'outcome', keyOf);
    const jti = checkLinked(b, intent, outcome);
    checkTao(b, intent, jti, trust);
    const gwKeys = trust.keys().filter((k) => k.role === 'gateway' && k.name === b.gateway);
    if (gwKeys.length === 0) fail('unknown_key', `no trusted key for gateway '${b.gateway}'`);
    const { root, cosignedAt } = checkCheckpoint(b, gwKeys, trust);
    for (const r of [intent, outcome]) checkProof(b, r, root);
    return { ok: true, gateway: b.gateway, seq: b.seq, outcome: outcome.kind, checkpointSize: b.checkpoint.size, cosignedAt, jti };
  } catch (err) {
    if (err instanceof Failed) return { ok: false, code: err.code, reason: err.message };
    return { ok: false, code: 'malformed', reason: `bundle could not be checked: ${(err as Error).message}` };
  }
}

function parse(bytes: Uint8Array): Bundle {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('malformed', 'the file is not UTF-8');
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return fail('malformed', `the file is not JSON: ${(err as Error).message}`);
  }
  let canonical: string;
  try {
    canonical = `${canonicalize(v)}\n`;
  } catch (err) {
    return fail('not_canonical', `the bundle is not canonical JSON: ${(err as Error).message}`);
  }
  if (canonical !== text) fail('not_canonical', 'the bytes are not the canonical JSON of the bundle (the file was edited or re-formatted)');
  checkShape(v);
  return v as Bundle;
}

function checkShape(v: unknown): void {
  const o = v as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('malformed', 'the bundle is not a JSON object');
  const keys = Object.keys(o).sort().join(',');
  if (keys !== 'checkpoint,gateway,proofs,receipts,seq,tao,type') fail('malformed', `the bundle has fields ${keys}`);
  if (o.type !== BUNDLE_TYPE) fail('malformed', `type is not ${BUNDLE_TYPE}`);
  if (typeof o.gateway !== 'string' || !Number.isSafeInteger(o.seq)) fail('malformed', 'gateway or seq has the wrong type');
  if (!Array.isArray(o.receipts) || o.receipts.length !== 2) fail('malformed', 'receipts must be [intent, outcome]');
  const cp = o.checkpoint as Record<string, unknown>;
  if (typeof cp !== 'object' || cp === null || Object.keys(cp).sort().join(',') !== 'note,size' || typeof cp.note !== 'string' || !Number.isSafeInteger(cp.size)) fail('malformed', 'checkpoint must be {size, note}');
  if (!Array.isArray(o.proofs) || o.proofs.length !== 2) fail('malformed', 'proofs must hold one inclusion proof per receipt');
  for (const p of o.proofs as Record<string, unknown>[]) {
    if (typeof p !== 'object' || p === null || Object.keys(p).sort().join(',') !== 'path,seq' || !Number.isSafeInteger(p.seq) || !Array.isArray(p.path) || !p.path.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) {
      fail('malformed', 'a proof must be {seq, path: [64 hex]}');
    }
  }
}

/** Shape, hash, the signature under the key its kid names, and that key's window at the receipt's time. */
function checkReceiptSealed(r: Receipt, what: string, keyOf: ReturnType<typeof receiptKeyLookup>): void {
  const shape = checkReceiptShape(r);
  if (shape) fail('receipt_invalid', `${what} receipt is malformed: ${shape}`);
  const key = keyOf(r.gateway, r.kid) ?? fail('unknown_key', `no trusted key ${r.kid ?? ''} for gateway '${r.gateway}'`);
  const hash = receiptHash(r);
  if (Buffer.from(hash).toString('hex') !== r.hash) fail('receipt_invalid', `${what} receipt ${r.seq}: its fields do not hash to its hash`);
  if (!nobleVerifySignature(key.publicKey, hash, fromB64(r.sig))) fail('receipt_invalid', `${what} receipt ${r.seq}: the gateway signature does not verify`);
  const window = keyWindowProblem(r, key);
  if (window) fail('receipt_invalid', `${what} receipt ${r.seq}: ${window.reason}`);
}

function checkLinked(b: Bundle, intent: Receipt, outcome: Receipt): string {
  const ib = intent.body as Record<string, unknown>;
  const ob = outcome.body as Record<string, unknown>;
  if (intent.kind !== 'intent' || intent.seq !== b.seq) fail('not_linked', `the first receipt is not the intent at seq ${b.seq}`);
  if (intent.gateway !== b.gateway || outcome.gateway !== b.gateway) fail('not_linked', `a receipt is not from gateway '${b.gateway}'`);
  if (!(OUTCOME_KINDS as readonly string[]).includes(outcome.kind)) fail('not_linked', `the second receipt is a '${outcome.kind}', not an outcome`);
  if (ob.intent !== intent.seq || outcome.seq <= intent.seq) fail('not_linked', `the outcome receipt ${outcome.seq} does not close intent ${intent.seq}`);
  if (typeof ib.jti !== 'string' || ob.jti !== ib.jti) fail('not_linked', 'the outcome names another TAO (jti) than the intent');
  if (canonicalize(b.tao) !== canonicalize(ib.tao)) fail('not_linked', 'the TAO is not the one the intent receipt recorded');
  return ib.jti as string;
}

function checkTao(b: Bundle, intent: Receipt, jti: string, trust: TrustStore): void {
  const verdict = verifyTaoSync(b.tao, { trust, nowSeconds: Math.floor(intent.ts / 1000), audience: b.gateway, skewSeconds: BUNDLE_SKEW_SECONDS, impl: 'noble' });
  if (!verdict.ok) return fail(verdict.code === 'unknown_key' ? 'unknown_key' : 'tao_invalid', `TAO: ${verdict.code}: ${verdict.reason}`);
  if (verdict.tao.jti !== jti) fail('not_linked', 'the TAO jti is not the intent jti');
  const ib = intent.body as Record<string, unknown>;
  if (verdict.tao.scope.target !== ib.target || verdict.tao.sub !== ib.actor) fail('not_linked', 'the TAO scope is not the write the intent recorded');
}

function checkCheckpoint(b: Bundle, gwKeys: readonly TrustedKey[], trust: TrustStore): { root: Uint8Array; cosignedAt: number } {
  const note = parseNote(b.checkpoint.note);
  if (typeof note === 'string') return fail('checkpoint_invalid', note);
  const cp = parseCheckpointBody(note.body);
  if (typeof cp === 'string') return fail('checkpoint_invalid', cp);
  if (cp.origin !== b.gateway) fail('checkpoint_invalid', `the checkpoint is of '${cp.origin}', not '${b.gateway}'`);
  if (cp.size !== b.checkpoint.size) fail('checkpoint_invalid', `the checkpoint note says size ${cp.size}, the bundle ${b.checkpoint.size}`);
  if (!gwKeys.some((k) => noteSignedBy(note, b.gateway, k.publicKey, nobleVerifySignature))) fail('checkpoint_invalid', 'the checkpoint note is not signed by the gateway');
  for (const k of trust.keys().filter((k) => k.role === 'upstream')) {
    const at = noteCosignedBy(note, k.name, k.publicKey, nobleVerifySignature);
    // A cosignature made at or after the upstream key's revocation does not count.
    if (at !== undefined && (k.revokedAt === undefined || at < k.revokedAt)) return { root: cp.root, cosignedAt: at };
  }
  return fail('not_cosigned', 'the checkpoint carries no valid cosignature by a trusted upstream key');
}

function checkProof(b: Bundle, r: Receipt, root: Uint8Array): void {
  const p = b.proofs.find((x) => x.seq === r.seq) ?? fail('malformed', `no inclusion proof for receipt ${r.seq}`);
  const failure = checkInclusion(r.seq, b.checkpoint.size, receiptLeafHash(r.hash), p.path.map(fromHex), root);
  if (failure) fail('proof_invalid', `inclusion proof of receipt ${r.seq} in the checkpoint of size ${b.checkpoint.size}: ${failure}`);
}
