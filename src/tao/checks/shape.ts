import type { Envelope } from '../envelope.js';
import { validatePayloadShape } from '../shape.js';
import type { TaoPayload } from '../payload.js';
import { Refusal } from '../../refusal/codes.js';

/** bad_envelope: exactly the documented payload fields, and payload.kid names the key that signed it. */
export function checkShape(parsed: unknown, envelope: Envelope): TaoPayload {
  const tao = validatePayloadShape(parsed);
  const keyid = envelope.signatures[0]?.keyid;
  if (tao.kid !== keyid) throw new Refusal('bad_envelope', `payload.kid ${tao.kid} is not the signing key ${String(keyid)}`);
  return tao;
}
