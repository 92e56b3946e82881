// Signing in the browser: the same bytes the CLI signs (src/tao/approval.ts),
// with @noble/ed25519 served from this server. The private key is read from
// the file the approver picks, kept in this module's closure, and never sent:
// only the signed approval leaves the page.
import * as ed from '/vendor/noble-ed25519/index.js';
import { sha256, sha512 } from '/vendor/noble-hashes/sha2.js';

ed.hashes.sha512 = sha512;

const utf8 = new TextEncoder();

// Canonical JSON (port of src/crypto/canonical.ts): sorted keys, safe integers only.
export function canonicalize(value) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isSafeInteger(value) || Object.is(value, -0)) throw new Error(`number ${value} is not a safe integer`);
      return String(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalize).join(',')}]`;
      const entries = Object.entries(value).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalize(v)}`).join(',')}}`;
    }
    default:
      throw new Error(`type ${typeof value} is not allowed`);
  }
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

function fromB64u(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function toB64(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** sha256 hex of the canonical proposal (src/tao/approval.ts proposalDigest). */
export function proposalDigest(p) {
  const body = { typ: 'taogate.proposal.v1', aud: p.aud, sub: p.sub, op: p.op, target: p.target, value: p.value };
  if (Array.isArray(p.args) && p.args.length > 0) body.args = [...p.args];
  return toHex(sha256(utf8.encode(canonicalize(body))));
}

/** The exact bytes an approver signs (src/tao/approval.ts approvalMessage). */
export function approvalMessage(s) {
  const { approver, role, request, digest, decision, meaning, reason, ts } = s;
  return utf8.encode(canonicalize({ typ: 'taogate.approval.v1', approver, role, request, digest, decision, meaning, reason, ts }));
}

/** Key id: first 16 bytes of SHA-256("taogate-kid-v1\0" || public key), hex (src/crypto/ed25519.ts). */
export function keyIdOf(publicKey) {
  return toHex(sha256(concat(utf8.encode('taogate-kid-v1\0'), publicKey)).subarray(0, 16));
}

/**
 * Reads an Ed25519 private JWK (kty OKP, crv Ed25519, d, x, kid, name, role)
 * and returns a signer. Refuses a file whose x does not belong to d.
 */
export function loadKey(text) {
  let jwk;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw new Error('not a JSON key file');
  }
  if (!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') {
    throw new Error('not an Ed25519 private key file (kty OKP, crv Ed25519, d, x)');
  }
  const secret = fromB64u(jwk.d);
  if (secret.length !== 32) throw new Error('the private key is not 32 bytes');
  const publicKey = ed.getPublicKey(secret);
  if (toHex(publicKey) !== toHex(fromB64u(jwk.x))) throw new Error('the public key in the file does not match its private key');
  const kid = keyIdOf(publicKey);
  if (typeof jwk.kid === 'string' && jwk.kid !== kid) throw new Error(`the file's kid ${jwk.kid} is not the id of its key (${kid})`);
  return {
    name: String(jwk.name ?? ''),
    kind: String(jwk.role ?? ''),
    kid,
    /** Signs a statement; returns the Approval governance expects. */
    signApproval(statement) {
      const sig = toB64(ed.sign(approvalMessage(statement), secret));
      const { approver, role, request, digest, decision, meaning, reason, ts } = statement;
      return { approver, role, keyid: kid, request, digest, decision, meaning, reason, ts, sig };
    },
    forget() {
      secret.fill(0);
    },
  };
}
