/**
 * Issuing a TAO payload: a fresh jti, the strict shape check (./shape.ts),
 * the governance signature. The payload's fields (what governance
 * authorizes, for whom, where, until when, under which policy, with whose
 * approvals) are in ./payload-types.ts: all times are integer SECONDS since
 * the Unix epoch; values travel as strings (decimal for numbers) so the
 * canonical JSON holds integers only.
 */
import { randomBytes } from 'node:crypto';
import type { Signer } from '../crypto/ed25519.js';
import { signEnvelope, TAO_PAYLOAD_TYPE, type Envelope } from './envelope.js';
import { Refusal } from '../refusal/codes.js';
import type { TaoPayload } from './payload-types.js';
import { validatePayloadShape } from './shape.js';

export type { Approval, TaoPayload, TaoScope } from './payload-types.js';
export { validatePayloadShape, validateApprovalShape } from './shape.js';

export function newJti(): string {
  return randomBytes(16).toString('hex');
}

/** Validate and sign a TAO payload with the governance key. Throws Refusal('bad_envelope') on a malformed payload. */
export function issueTao(payload: TaoPayload, signer: Signer): Envelope {
  const checked = validatePayloadShape(payload);
  if (checked.kid !== signer.keyId) throw new Refusal('bad_envelope', `payload.kid ${checked.kid} is not the signing key ${signer.keyId}`);
  return signEnvelope(TAO_PAYLOAD_TYPE, checked, signer);
}
