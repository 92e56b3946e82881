/**
 * `taogate keys init --pkcs11 URI`: the governance, gateway and upstream keys
 * are generated INSIDE a PKCS#11 token (SoftHSM, an HSM, a TPM 2.0 through
 * tpm2-pkcs11); only their public keys go to the trust store, and a public
 * reference file (NAME.pkcs11.json) takes the place of each key file.
 * Approver and actor keys stay personal key files (they sign on their
 * owners' machines). The PIN comes from the URI's pin-source file or
 * TAOGATE_PKCS11_PIN, never from the command line.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { SigAlg } from '../../crypto/alg.js';
import { existsSync } from 'node:fs';
import { keyRefPath, readKeyRef, writeKeyRef } from '../../crypto/key-ref.js';
import { hasKey } from '../../crypto/pkcs11/keys.js';
import { Pkcs11Signer } from '../../crypto/pkcs11/signer.js';
import { openToken } from '../../crypto/pkcs11/token.js';
import { parsePkcs11Uri, type Pkcs11Uri } from '../../crypto/pkcs11/uri.js';
import { CliError, EXIT } from '../exit.js';
import { es256KeyFiles, type TokenKeyMaker } from '../keys-init.js';

type Part = 'governance' | 'gateway' | 'upstream';
const PARTS: readonly Part[] = ['governance', 'gateway', 'upstream'];

export interface Pkcs11InitOptions {
  pkcs11?: string;
  alg?: SigAlg;
  pkcs11Parts?: string;
  pkcs11Module?: string;
}

export function addPkcs11InitOptions(cmd: Command): Command {
  return cmd
    .option('--pkcs11 <uri>', 'generate the governance, gateway and upstream keys inside this PKCS#11 token (RFC 7512 URI: pkcs11:token=LABEL?module-path=LIB&pin-source=file:PINFILE); writes only public keys')
    .option('--alg <alg>', 'algorithm of the governance, gateway and upstream keys: EdDSA (Ed25519, default) or ES256 (ECDSA P-256: TPM 2.0); without --pkcs11, ES256 key files', (v: string) => {
      if (v !== 'EdDSA' && v !== 'ES256') throw new InvalidArgumentError(`expected EdDSA or ES256, got '${v}'`);
      return v;
    })
    .option('--pkcs11-parts <list>', 'which parts get a token key (comma-separated)', PARTS.join(','))
    .option('--pkcs11-module <path>', 'PKCS#11 module when the URI has no module-path (else TAOGATE_PKCS11_MODULE, else SoftHSM 2)');
}

/** The key maker for initKeys, or undefined without --pkcs11. Checks the token first: no label may be taken. */
export function pkcs11KeyMaker(o: Pkcs11InitOptions): TokenKeyMaker | undefined {
  if (!o.pkcs11) return o.alg === 'ES256' ? es256KeyFiles : undefined;
  let base: Pkcs11Uri;
  try {
    base = parsePkcs11Uri(o.pkcs11);
  } catch (err) {
    throw new CliError(`--pkcs11: ${(err as Error).message}`, EXIT.usage);
  }
  const parts = (o.pkcs11Parts ?? PARTS.join(',')).split(',').map((p) => p.trim());
  for (const p of parts) if (!PARTS.includes(p as Part)) throw new CliError(`--pkcs11-parts: unknown part '${p}' (governance, gateway, upstream)`, EXIT.usage);
  const opts = o.pkcs11Module ? { module: o.pkcs11Module } : {};
  const labelOf = (part: Part) => (base.object ? `${base.object}-${part}` : part);
  try {
    const token = openToken(base, opts);
    const taken = parts.filter((p) => hasKey(token, labelOf(p as Part)));
    if (taken.length) throw new Error(`token "${token.label}" already holds key${taken.length > 1 ? 's' : ''} labelled ${taken.map((p) => `"${labelOf(p as Part)}"`).join(', ')}: refusing to add another`);
  } catch (err) {
    throw new CliError(`--pkcs11 ${o.pkcs11}: ${(err as Error).message}`);
  }
  return (file, name, role) => {
    if (!parts.includes(role)) return undefined;
    const signer = Pkcs11Signer.generate(base, labelOf(role), o.alg ?? 'EdDSA', opts);
    const ref = writeKeyRef(file, { pkcs11: signer.uri, kid: signer.keyId, alg: signer.alg, name, role });
    return { publicKey: signer.publicKey, alg: signer.alg, kid: signer.keyId, file: ref };
  };
}

/**
 * `keys rotate` for a part whose key is in a token: a new key pair is made in
 * the same token (label `<label>-<seconds>`; the old key stays in the token
 * until someone deletes it, so receipts it signed can be re-checked against
 * the token too). `commit()` then points the reference file at the new key.
 * Undefined when the part has a key file instead.
 */
export function rotateTokenKey(keyFile: string, nowSeconds: number): { kid: string; publicKey: Uint8Array; alg: SigAlg; commit(): void } | undefined {
  const refFile = keyRefPath(keyFile);
  if (existsSync(keyFile) || !existsSync(refFile)) return undefined;
  const ref = readKeyRef(refFile);
  let signer: Pkcs11Signer;
  try {
    const uri = parsePkcs11Uri(ref.pkcs11);
    const label = `${(uri.object ?? ref.role).replace(/-\d{9,}$/, '')}-${nowSeconds}`;
    signer = Pkcs11Signer.generate(uri, label, ref.alg);
  } catch (err) {
    throw new CliError(`${refFile}: ${(err as Error).message}`);
  }
  return {
    kid: signer.keyId,
    publicKey: signer.publicKey,
    alg: signer.alg,
    commit: () => void writeKeyRef(keyFile, { ...ref, pkcs11: signer.uri, kid: signer.keyId, alg: signer.alg }),
  };
}
