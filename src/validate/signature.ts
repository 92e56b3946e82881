/**
 * oq-report.sig: a DSSE envelope (the TAO's envelope format, src/tao/envelope.ts)
 * whose payload is the exact bytes of oq-report.json, signed by the person
 * who ran the qualification with their approver key. Verifying checks the
 * signature over PAE(type, bytes) with the key its keyid names, by that key's
 * algorithm, that the key is an approver key in the trust store, and that
 * the envelope's payload is byte for byte the JSON file.
 */
import type { Signer } from '../crypto/ed25519.js';
import { fromB64 } from '../crypto/encoding.js';
import { verifySignature } from '../crypto/verify.js';
import { pae, parseEnvelope, signEnvelopeBytes, type Envelope } from '../tao/envelope.js';
import type { TrustStore } from '../tao/truststore.js';

export const REPORT_PAYLOAD_TYPE = 'application/vnd.taogate.oq-report+json;version=1';

export function signReport(bytes: Uint8Array, signer: Signer): Envelope {
  return signEnvelopeBytes(REPORT_PAYLOAD_TYPE, bytes, signer);
}

export type SignatureCheck = { ok: true; signer: string; kid: string } | { ok: false; reason: string };

export function verifyReportSignature(sigText: string, json: Uint8Array, trust: TrustStore): SignatureCheck {
  let env: Envelope;
  try {
    env = parseEnvelope(sigText);
  } catch (err) {
    return { ok: false, reason: `oq-report.sig is not a signature envelope: ${(err as Error).message}` };
  }
  if (env.payloadType !== REPORT_PAYLOAD_TYPE) return { ok: false, reason: `oq-report.sig has payload type ${env.payloadType}, not ${REPORT_PAYLOAD_TYPE}` };
  const signature = env.signatures[0] as { keyid: string; sig: string };
  const key = trust.get(signature.keyid);
  if (!key) return { ok: false, reason: `the signing key ${signature.keyid} is not in the trust store` };
  if (key.role !== 'approver') return { ok: false, reason: `the signing key ${signature.keyid} is a ${key.role} key, not a person's approver key` };
  const signed = fromB64(env.payload);
  // By the key's algorithm (Ed25519 or ES256: src/crypto/alg.ts), whichever key the envelope's keyid names.
  if (!verifySignature(key.publicKey, pae(env.payloadType, signed), fromB64(signature.sig))) return { ok: false, reason: `the ${key.alg ?? 'EdDSA'} signature of ${key.name} (key ${key.kid}) does not verify` };
  if (Buffer.compare(Buffer.from(signed), Buffer.from(json)) !== 0) return { ok: false, reason: `oq-report.json is not the document ${key.name} signed (the bytes differ)` };
  return { ok: true, signer: key.name, kid: key.kid };
}
