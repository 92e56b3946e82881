/**
 * A Signer whose private key stays in a PKCS#11 token. Ed25519 signs the
 * message with CKM_EDDSA; ES256 hashes it with SHA-256 here and signs the
 * digest with CKM_ECDSA (raw r || s), normalized to low-S. Signing is a
 * synchronous native call (pkcs11js): measured in docs/operations.md.
 */
import { createHash } from 'node:crypto';
import type { SigAlg, Signer } from '../alg.js';
import { keyIdOf } from '../ed25519.js';
import { normalizeLowS } from '../p256.js';
import { verifySignature } from '../verify.js';
import { CKM_EDDSA, findTokenKey, generateTokenKey } from './keys.js';
import { openToken, type Pkcs11Options, type Token } from './token.js';
import { objectUri, parsePkcs11Uri, type Pkcs11Uri } from './uri.js';

export class Pkcs11Signer implements Signer {
  readonly keyId: string;

  private constructor(
    private readonly token: Token,
    private readonly handle: Buffer,
    readonly alg: SigAlg,
    readonly publicKey: Uint8Array,
    /** The URI of this key (module-path and pin-source, never a PIN). */
    readonly uri: string,
  ) {
    this.keyId = keyIdOf(publicKey);
  }

  /** The key the URI names (object= is its label); checks it signs what its public key verifies. */
  static open(uri: string, opts: Pkcs11Options = {}): Pkcs11Signer {
    const parsed = parsePkcs11Uri(uri);
    if (parsed.object === undefined) throw new Error(`PKCS#11 URI names no key (object=LABEL): ${uri}`);
    const token = openToken(parsed, opts);
    const key = findTokenKey(token, parsed.object);
    const signer = new Pkcs11Signer(token, key.privateKey, key.alg, key.publicKey, uri);
    signer.selfTest();
    return signer;
  }

  /** Generate a new key labelled `object` in the token base names; returns its signer. */
  static generate(base: string | Pkcs11Uri, object: string, alg: SigAlg, opts: Pkcs11Options = {}): Pkcs11Signer {
    const parsed = typeof base === 'string' ? parsePkcs11Uri(base) : base;
    const token = openToken(parsed, opts);
    const key = generateTokenKey(token, object, alg);
    const signer = new Pkcs11Signer(token, key.privateKey, key.alg, key.publicKey, objectUri(parsed, object));
    signer.selfTest();
    return signer;
  }

  sign(message: Uint8Array): Uint8Array {
    const p = this.token.api;
    const lib = this.token.lib;
    const ed = this.alg === 'EdDSA';
    const data = ed ? Buffer.from(message.buffer, message.byteOffset, message.byteLength) : createHash('sha256').update(message).digest();
    lib.C_SignInit(this.token.session, { mechanism: ed ? CKM_EDDSA : p.CKM_ECDSA }, this.handle);
    const sig = new Uint8Array(lib.C_Sign(this.token.session, data, Buffer.alloc(64)));
    if (sig.length !== 64) throw new Error(`PKCS#11 token "${this.token.label}": ${this.alg} signature of ${sig.length} bytes`);
    return ed ? sig : normalizeLowS(sig);
  }

  private selfTest(): void {
    const probe = new TextEncoder().encode('taogate-pkcs11-selftest');
    if (!verifySignature(this.publicKey, probe, this.sign(probe))) {
      throw new Error(`PKCS#11 token "${this.token.label}": key ${this.uri} signs with a key that does not match its public key`);
    }
  }
}
