/**
 * The TAO payload's types: the scope, the approvals it carries, the payload
 * itself (times in integer seconds, values as strings). Imports nothing from ./payload.ts or ./shape.ts, so both can import
 * it (the shape check and the issuer share these types without a cycle).
 */
import type { ActorKind } from '../policy/types.js';

export interface TaoScope {
  op: 'write' | 'call';
  /** Profile tag (op write) or method (op call) name. */
  target: string;
  /** Canonical value string (op call: '' and args used). */
  value: string;
  args?: string[];
  /** The PLC's current value the write expects to replace, when the TAO is conditional. */
  expect?: string;
}

/** An approver's signed statement as carried inside a TAO (see ./approval.ts). */
export interface Approval {
  approver: string;
  role: string;
  keyid: string;
  /** Approval request id, equal to the TAO's `request`. */
  request: string;
  /** proposalDigest() of the TAO's aud, sub and scope. */
  digest: string;
  /** Inside a TAO only 'approve' is accepted; governance also receives 'reject'. */
  decision: 'approve' | 'reject';
  /** The meaning of the signature, e.g. "approved as supervisor" (21 CFR 11.50). */
  meaning: string;
  reason: string;
  ts: number;
  /** Standard base64 Ed25519 signature over approvalMessage(). */
  sig: string;
}

export interface TaoPayload {
  v: 1;
  typ: 'tao';
  /** 32 lowercase hex digits: 128 random bits. */
  jti: string;
  iss: string;
  /** Key id of the governance key that signs the envelope. */
  kid: string;
  /** The gateway id the TAO is for. */
  aud: string;
  /** The actor id allowed to perform the write. */
  sub: string;
  kind: ActorKind;
  role: string;
  scope: TaoScope;
  reason: string;
  iat: number;
  nbf: number;
  exp: number;
  /** Policy hash (sha256 hex) the TAO was issued under. */
  policy: string;
  approvals: Approval[];
  /** Approval request id, present when approvals were collected. */
  request?: string;
}
