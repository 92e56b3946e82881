/** Minting a TAO: the only place a TAO signing key is used. */
import type { ActorPolicy, Profile, Proposal } from '../policy/types.js';
import type { Signer } from '../crypto/ed25519.js';
import type { Envelope } from '../tao/envelope.js';
import { issueTao, newJti, type Approval, type TaoPayload } from '../tao/payload.js';

export interface MintInput {
  readonly profile: Profile;
  readonly signer: Signer;
  readonly issuer: string;
  readonly aud: string;
  readonly actor: ActorPolicy;
  readonly proposal: Proposal;
  readonly nowMs: number;
  readonly approvals?: readonly Approval[];
  readonly request?: string;
}

export function mintTao(i: MintInput): { envelope: Envelope; payload: TaoPayload } {
  const now = Math.floor(i.nowMs / 1000);
  const { op, target, value, args, expect } = i.proposal;
  const payload: TaoPayload = {
    v: 1,
    typ: 'tao',
    jti: newJti(),
    iss: i.issuer,
    kid: i.signer.keyId,
    aud: i.aud,
    sub: i.actor.id,
    kind: i.actor.kind,
    role: i.actor.role,
    scope: { op, target, value, ...(args && args.length > 0 ? { args: [...args] } : {}), ...(expect !== undefined && op === 'write' ? { expect } : {}) },
    reason: (i.proposal.reason ?? '').slice(0, 256),
    iat: now,
    nbf: now,
    exp: now + i.profile.defaults.taoTtlS,
    policy: i.profile.policyHash,
    approvals: [...(i.approvals ?? [])],
    ...(i.request ? { request: i.request } : {}),
  };
  return { envelope: issueTao(payload, i.signer), payload };
}
