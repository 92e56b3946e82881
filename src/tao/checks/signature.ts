import { fromB64 } from '../../crypto/encoding.js';
import { pae, type Envelope } from '../envelope.js';
import { verifierFor, type Ed25519Impl } from '../impl.js';
import { Refusal } from '../../refusal/codes.js';
import type { TrustedKey } from '../truststore.js';

/**
 * bad_signature: the key's algorithm (EdDSA, or ES256 for TPM keys) over
 * PAE(payloadType, payload bytes AS RECEIVED).
 * Returns the verified payload bytes; nothing of the payload is parsed before this.
 */
export function checkSignature(envelope: Envelope, key: TrustedKey, impl: Ed25519Impl): Uint8Array {
  const signature = envelope.signatures[0];
  if (!signature) throw new Refusal('bad_envelope', 'envelope has no signature');
  const body = fromB64(envelope.payload); // canonical base64, checked by parseEnvelope
  if (!verifierFor(impl)(key.publicKey, pae(envelope.payloadType, body), fromB64(signature.sig))) {
    throw new Refusal('bad_signature', `${key.alg ?? 'EdDSA'} signature by ${key.name} (${key.kid}) does not verify`);
  }
  return body;
}
