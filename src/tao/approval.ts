/**
 * Approvals: an approver's signed statement about one proposal, checkable
 * offline inside a TAO. The approver signs the canonical JSON of
 *
 *   { typ: "taogate.approval.v1", approver, role, request, digest, decision, meaning, reason, ts }
 *
 * where digest = proposalDigest(aud, sub, op, target, value, args): the
 * statement names the exact write, so it cannot be moved to another TAO.
 */
import { canonicalBytes } from '../crypto/canonical.js';
import type { Signer } from '../crypto/ed25519.js';
import { fromB64, toB64 } from '../crypto/encoding.js';
import { sha256Hex } from '../crypto/hash.js';
import { verifierFor, type Ed25519Impl } from './impl.js';
import type { Approval } from './payload.js';
import { Refusal, type RefusalCode } from '../refusal/codes.js';
import { validateApprovalShape } from './shape.js';
import type { TrustStore } from './truststore.js';

export const PROPOSAL_TYP = 'taogate.proposal.v1';
export const APPROVAL_TYP = 'taogate.approval.v1';

export interface ProposalFields {
  aud: string;
  sub: string;
  op: string;
  target: string;
  value: string;
  args?: readonly string[];
}

/** sha256 hex of the canonical {"typ":"taogate.proposal.v1", aud, sub, op, target, value[, args]}; empty args are omitted. */
export function proposalDigest(p: ProposalFields): string {
  const body = { typ: PROPOSAL_TYP, aud: p.aud, sub: p.sub, op: p.op, target: p.target, value: p.value, ...(p.args && p.args.length > 0 ? { args: [...p.args] } : {}) };
  return sha256Hex(canonicalBytes(body));
}

export interface ApprovalStatement {
  typ: 'taogate.approval.v1';
  approver: string;
  role: string;
  request: string;
  digest: string;
  decision: 'approve' | 'reject';
  meaning: string;
  reason: string;
  ts: number;
}

/** The bytes an approver signs: canonical JSON of exactly the statement fields. */
export function approvalMessage(s: ApprovalStatement): Uint8Array {
  const { approver, role, request, digest, decision, meaning, reason, ts } = s;
  return canonicalBytes({ typ: APPROVAL_TYP, approver, role, request, digest, decision, meaning, reason, ts });
}

export function statementOf(a: Approval): ApprovalStatement {
  const { approver, role, request, digest, decision, meaning, reason, ts } = a;
  return { typ: APPROVAL_TYP, approver, role, request, digest, decision, meaning, reason, ts };
}

/** Sign a statement; throws Refusal('bad_approval') when the statement itself is malformed. */
export function signApproval(s: ApprovalStatement, signer: Signer): Approval {
  const sig = toB64(signer.sign(approvalMessage(s)));
  const approval: Approval = { ...statementWithoutTyp(s), keyid: signer.keyId, sig };
  try {
    return validateApprovalShape(approval);
  } catch (err) {
    throw new Refusal('bad_approval', (err as Error).message, { cause: err });
  }
}

function statementWithoutTyp(s: ApprovalStatement): Omit<Approval, 'keyid' | 'sig'> {
  const { approver, role, request, digest, decision, meaning, reason, ts } = s;
  return { approver, role, request, digest, decision, meaning, reason, ts };
}

export type ApprovalCheck = { ok: true } | { ok: false; code: RefusalCode; reason: string };

/**
 * Check one approval on its own: shape (reason <= 256 characters, meaning
 * not empty), an 'approver' key valid at `at`, held by the named approver
 * (and for the named role when the key is bound to one), and the signature.
 * Never throws.
 */
export function verifyApproval(a: Approval, trust: TrustStore, at: number, impl: Ed25519Impl = 'node'): ApprovalCheck {
  let approval: Approval;
  try {
    approval = validateApprovalShape(a);
  } catch (err) {
    return { ok: false, code: 'bad_approval', reason: (err as Error).message };
  }
  const key = trust.lookup(approval.keyid, 'approver', at);
  if (!key) return { ok: false, code: 'unknown_key', reason: `approval key ${approval.keyid} is not a valid approver key in the trust store` };
  if (key.name !== approval.approver) return { ok: false, code: 'bad_approval', reason: `approval key ${approval.keyid} belongs to ${key.name}, not ${approval.approver}` };
  if (key.approverRole !== undefined && key.approverRole !== approval.role) {
    return { ok: false, code: 'bad_approval', reason: `${approval.approver}'s key approves as ${key.approverRole}, not ${approval.role}` };
  }
  const verify = verifierFor(impl);
  if (!verify(key.publicKey, approvalMessage(statementOf(approval)), decodeSig(approval.sig))) {
    return { ok: false, code: 'bad_approval', reason: `approval signature of ${approval.approver} does not verify` };
  }
  return { ok: true };
}

function decodeSig(sig: string): Uint8Array {
  try {
    return fromB64(sig);
  } catch {
    return new Uint8Array(0); // not canonical base64: verifies as false
  }
}
