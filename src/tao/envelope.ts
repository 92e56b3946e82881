/**
 * The DSSE-style envelope that carries a TAO (https://github.com/secure-systems-lab/dsse,
 * protocol v1):
 *
 *   { "payloadType": TYPE, "payload": base64(BODY), "signatures": [{ "keyid", "sig" }] }
 *   sig = SIGN(key, PAE(TYPE, BODY))   with the algorithm of the key named by keyid:
 *         Ed25519 (default) or ES256 (r || s, low-S), 64 bytes either way
 *
 * BODY is the canonical JSON of the payload (src/crypto/canonical.ts). The
 * signature covers the bytes as sent; verifiers check it over the bytes as
 * received and only then parse them (src/tao/verify.ts).
 */
import { canonicalBytes } from '../crypto/canonical.js';
import type { Signer } from '../crypto/alg.js';
import { fromB64, toB64 } from '../crypto/encoding.js';
import { Refusal } from '../refusal/codes.js';
import { array, BASE64, HEX32, object, ShapeError, string } from './strict.js';

export const TAO_PAYLOAD_TYPE = 'application/vnd.taogate.tao+json;version=1';

/** Refuse envelopes larger than this (characters of JSON text, or of the base64 payload). */
export const MAX_ENVELOPE_CHARS = 64 * 1024;

export interface Signature {
  keyid: string;
  /** Standard base64 (RFC 4648 section 4, padded) of the 64-byte signature (Ed25519, or ES256 r || s). */
  sig: string;
}

export interface Envelope {
  payloadType: string;
  /** Standard base64 of the canonical JSON bytes of the payload. */
  payload: string;
  signatures: Signature[];
}

const utf8 = new TextEncoder();

/** DSSE v1 pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8.encode(payloadType);
  const parts = [utf8.encode(`DSSEv1 ${type.length} `), type, utf8.encode(` ${payload.length} `), payload];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Sign the canonical JSON of payload. */
export function signEnvelope(payloadType: string, payload: unknown, signer: Signer): Envelope {
  return signEnvelopeBytes(payloadType, canonicalBytes(payload), signer);
}

/** Sign exact payload bytes (tests and vectors use it to sign non-canonical bodies). */
export function signEnvelopeBytes(payloadType: string, body: Uint8Array, signer: Signer): Envelope {
  const sig = signer.sign(pae(payloadType, body));
  return { payloadType, payload: toB64(body), signatures: [{ keyid: signer.keyId, sig: toB64(sig) }] };
}

/**
 * Parse untrusted input (JSON text or an already-parsed value) into an
 * envelope with exactly one signature. Strict: no missing or extra fields,
 * canonical base64, a 64-byte signature. Throws only Refusal('bad_envelope').
 */
export function parseEnvelope(input: string | unknown): Envelope {
  try {
    return readEnvelope(typeof input === 'string' ? parseText(input) : input);
  } catch (err) {
    if (err instanceof Refusal) throw err;
    const detail = err instanceof ShapeError ? err.message : `unreadable (${err instanceof Error ? err.name : typeof err})`;
    throw new Refusal('bad_envelope', detail, { cause: err });
  }
}

function parseText(text: string): unknown {
  if (text.length > MAX_ENVELOPE_CHARS) throw new Refusal('bad_envelope', `envelope is ${text.length} characters; the limit is ${MAX_ENVELOPE_CHARS}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Refusal('bad_envelope', `envelope is not JSON: ${(err as Error).message.slice(0, 120)}`, { cause: err });
  }
}

function readEnvelope(x: unknown): Envelope {
  const o = object(x, 'envelope', ['payloadType', 'payload', 'signatures']);
  const payloadType = string(o.payloadType, 'envelope.payloadType', { max: 256 });
  const payload = string(o.payload, 'envelope.payload', { ...BASE64, max: MAX_ENVELOPE_CHARS });
  canonicalB64(payload, 'envelope.payload', -1);
  const signatures = array(o.signatures, 'envelope.signatures', 1, (s, path) => {
    const so = object(s, path, ['keyid', 'sig']);
    const sig = string(so.sig, `${path}.sig`, { ...BASE64, max: 88 });
    canonicalB64(sig, `${path}.sig`, 64);
    return { keyid: string(so.keyid, `${path}.keyid`, HEX32), sig };
  });
  if (signatures.length !== 1) throw new ShapeError('envelope.signatures', 'must hold exactly one signature');
  return { payloadType, payload, signatures };
}

function canonicalB64(text: string, path: string, bytes: number): void {
  let decoded: Uint8Array;
  try {
    decoded = fromB64(text);
  } catch {
    throw new ShapeError(path, 'is not canonical standard base64');
  }
  if (bytes >= 0 && decoded.length !== bytes) throw new ShapeError(path, `must decode to ${bytes} bytes, got ${decoded.length}`);
  if (bytes < 0 && decoded.length === 0) throw new ShapeError(path, 'must not be empty');
}
