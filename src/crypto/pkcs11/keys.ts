/**
 * Key pairs inside a token: generate (the private key is created sensitive and
 * non-extractable, so it never leaves the token), find by label, and read the
 * public key. Ed25519 uses CKM_EC_EDWARDS_KEY_PAIR_GEN / CKM_EDDSA (PKCS#11
 * 3.0; SoftHSM 2.6), ES256 uses CKM_EC_KEY_PAIR_GEN on P-256 / CKM_ECDSA
 * (every HSM, and TPM 2.0 through tpm2-pkcs11).
 */
import type { SigAlg } from '../alg.js';
import { p256PublicKeyObject } from '../p256.js';
import type { Token } from './token.js';

/** PKCS#11 3.0 values pkcs11js does not name. */
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;
export const CKK_EC_EDWARDS = 0x40;

/** DER OIDs for CKA_EC_PARAMS: id-Ed25519 (1.3.101.112) and prime256v1 (1.2.840.10045.3.1.7). */
const EC_PARAMS: Readonly<Record<SigAlg, Buffer>> = {
  EdDSA: Buffer.from('06032b6570', 'hex'),
  ES256: Buffer.from('06082a8648ce3d030107', 'hex'),
};

export interface TokenKey {
  readonly privateKey: Buffer;
  readonly publicKey: Uint8Array;
  readonly alg: SigAlg;
}

function findObjects(t: Token, label: string, cls: number): Buffer[] {
  const p = t.api;
  t.lib.C_FindObjectsInit(t.session, [
    { type: p.CKA_CLASS, value: cls },
    { type: p.CKA_LABEL, value: label },
  ]);
  try {
    return t.lib.C_FindObjects(t.session, 16);
  } finally {
    t.lib.C_FindObjectsFinal(t.session);
  }
}

export function hasKey(t: Token, label: string): boolean {
  return findObjects(t, label, t.api.CKO_PRIVATE_KEY).length > 0 || findObjects(t, label, t.api.CKO_PUBLIC_KEY).length > 0;
}

/** Generate a key pair labelled `label`; refuses when one with that label exists (keys are never replaced in place). */
export function generateTokenKey(t: Token, label: string, alg: SigAlg): TokenKey {
  if (hasKey(t, label)) throw new Error(`PKCS#11 token "${t.label}" already holds a key labelled "${label}"`);
  const p = t.api;
  const mechanism = alg === 'EdDSA' ? CKM_EC_EDWARDS_KEY_PAIR_GEN : p.CKM_EC_KEY_PAIR_GEN;
  const common = [
    { type: p.CKA_TOKEN, value: true },
    { type: p.CKA_LABEL, value: label },
  ];
  let pair: { privateKey: Buffer; publicKey: Buffer };
  try {
    pair = t.lib.C_GenerateKeyPair(
      t.session,
      { mechanism },
      [...common, { type: p.CKA_VERIFY, value: true }, { type: p.CKA_PRIVATE, value: false }, { type: p.CKA_EC_PARAMS, value: EC_PARAMS[alg] }],
      [...common, { type: p.CKA_SIGN, value: true }, { type: p.CKA_PRIVATE, value: true }, { type: p.CKA_SENSITIVE, value: true }, { type: p.CKA_EXTRACTABLE, value: false }],
    );
  } catch (err) {
    throw new Error(`PKCS#11 token "${t.label}": cannot generate an ${alg} key (${(err as Error).message})${alg === 'EdDSA' ? '; a token without Ed25519 (a TPM) needs --alg ES256' : ''}`);
  }
  return { privateKey: pair.privateKey, publicKey: readPublicKey(t, pair.publicKey, alg), alg };
}

/** The private key labelled `label`, its algorithm and raw public key (from the public key object of the same label). */
export function findTokenKey(t: Token, label: string): TokenKey {
  const p = t.api;
  const privs = findObjects(t, label, p.CKO_PRIVATE_KEY);
  const pubs = findObjects(t, label, p.CKO_PUBLIC_KEY);
  if (privs.length !== 1) throw new Error(`PKCS#11 token "${t.label}": ${privs.length === 0 ? 'no' : privs.length} private key${privs.length === 1 ? '' : 's'} labelled "${label}"`);
  if (pubs.length !== 1) throw new Error(`PKCS#11 token "${t.label}": ${pubs.length === 0 ? 'no' : pubs.length} public key${pubs.length === 1 ? '' : 's'} labelled "${label}"`);
  const [type] = t.lib.C_GetAttributeValue(t.session, pubs[0] as Buffer, [{ type: p.CKA_KEY_TYPE }]);
  const keyType = (type?.value as Buffer).readUInt32LE(0);
  const alg: SigAlg | undefined = keyType === CKK_EC_EDWARDS ? 'EdDSA' : keyType === p.CKK_EC ? 'ES256' : undefined;
  if (!alg) throw new Error(`PKCS#11 token "${t.label}": key "${label}" is neither Ed25519 nor EC P-256 (CKA_KEY_TYPE ${keyType})`);
  return { privateKey: privs[0] as Buffer, publicKey: readPublicKey(t, pubs[0] as Buffer, alg), alg };
}

/** CKA_EC_POINT is a DER OCTET STRING (some tokens give the bare point): unwrap it and check it. */
function readPublicKey(t: Token, handle: Buffer, alg: SigAlg): Uint8Array {
  const p = t.api;
  const [attr] = t.lib.C_GetAttributeValue(t.session, handle, [{ type: p.CKA_EC_POINT }]);
  const raw = new Uint8Array(attr?.value as Buffer);
  const size = alg === 'EdDSA' ? 32 : 65;
  let point: Uint8Array;
  if (raw.length === size + 2 && raw[0] === 0x04 && raw[1] === size) point = raw.subarray(2);
  else if (raw.length === size) point = raw;
  else throw new Error(`PKCS#11 token "${t.label}": unexpected CKA_EC_POINT of ${raw.length} bytes for an ${alg} key`);
  if (alg === 'ES256') {
    if (point[0] !== 0x04) throw new Error(`PKCS#11 token "${t.label}": P-256 public key is not an uncompressed point`);
    p256PublicKeyObject(point);
  }
  return new Uint8Array(point);
}
