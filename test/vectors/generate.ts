/**
 * Regenerates the shared wire-format vectors in this folder:
 *
 *   npx tsx test/vectors/generate.ts
 *
 * Deterministic (fixed seeds, fixed clock, fixed jti): running it again
 * writes the same bytes, and test/tao/vectors.test.ts fails when the
 * committed files and this generator disagree. Hand-written expectations
 * (RFC 8785, RFC 8032, DSSE) are asserted here, so a vector is never just
 * "whatever the code printed".
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalize } from '../../src/crypto/canonical.js';
import { fromHex, toB64u, toHex } from '../../src/crypto/encoding.js';
import { nobleSign, noblePublicKey, nobleVerify } from '../../src/crypto/noble.js';
import { verifyEd25519 } from '../../src/crypto/ed25519.js';
import { pae, signEnvelope, TAO_PAYLOAD_TYPE } from '../../src/tao/envelope.js';
import { DEFAULT_CONTEXT, taoCases } from './cases.js';
import { basePayload, KEYS, signerFromSeed, signers, trustStore } from './fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const utf8 = new TextEncoder();

function same(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`vector ${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** RFC 8785 style cases; "input" is JSON text so that -0 and floats can be written. */
const CANONICAL: { name: string; input: string; canonical?: string; error?: string }[] = [
  { name: 'sorted keys', input: '{"b":1,"a":2}', canonical: '{"a":2,"b":1}' },
  { name: 'nested, arrays keep order', input: '{ "z": [3, 1, {"y": null, "x": true}], "a": {} }', canonical: '{"a":{},"z":[3,1,{"x":true,"y":null}]}' },
  { name: 'RFC 8785 3.2.3 key order (UTF-16 code units)', input: '{"\\u20ac":1,"\\r":2,"\\ufb33":3,"1":4,"\\ud83d\\ude00":5,"\\u0080":6,"\\u00f6":7}', canonical: '{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\ud83d\ude00":5,"\ufb33":3}' },
  { name: 'string escapes', input: '"\\u0000\\u001f\\"\\\\\\/\\b\\f\\n\\r\\t\\u007f\\u00e9\\u2028"', canonical: '"\\u0000\\u001f\\"\\\\/\\b\\f\\n\\r\\t\u007f\u00e9\u2028"' },
  { name: 'lone surrogate is escaped', input: '"\\ud800"', canonical: '"\\ud800"' },
  { name: 'safe integers', input: '[0, -1, 9007199254740991, -9007199254740991, 1E2]', canonical: '[0,-1,9007199254740991,-9007199254740991,100]' },
  { name: 'literals', input: '[true, false, null, "", [], {}]', canonical: '[true,false,null,"",[],{}]' },
  { name: 'float refused', input: '{"v":1.5}', error: 'not a safe integer' },
  { name: 'minus zero refused', input: '-0', error: '-0 is not allowed' },
  { name: 'unsafe integer refused', input: '9007199254740992', error: 'not a safe integer' },
  { name: 'overflow refused', input: '1e400', error: 'not a safe integer' },
];

function canonicalVectors(): object {
  for (const c of CANONICAL) {
    let got: string;
    try {
      got = canonicalize(JSON.parse(c.input));
    } catch (err) {
      if (!c.error || !(err as Error).message.includes(c.error)) throw err;
      continue;
    }
    same(got, c.canonical, c.name);
  }
  return { description: 'Canonical JSON (RFC 8785, integers only). input is JSON text; expect canonical or an error substring.', cases: CANONICAL };
}

/** RFC 8032 section 7.1, TEST 1-3, plus two strictness cases every verifier must refuse. */
const RFC8032 = [
  { name: 'TEST 1', secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', message: '', signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b' },
  { name: 'TEST 2', secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', message: '72', signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00' },
  { name: 'TEST 3', secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7', publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', message: 'af82', signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a' },
];

const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function ed25519Vectors(): object {
  const cases: object[] = [];
  for (const t of RFC8032) {
    const sk = fromHex(t.secretKey);
    same(toHex(noblePublicKey(sk)), t.publicKey, `${t.name} public key`);
    same(toHex(nobleSign(sk, fromHex(t.message))), t.signature, `${t.name} noble signature`);
    same(toHex(signerFromSeed(t.secretKey).sign(fromHex(t.message))), t.signature, `${t.name} node signature`);
    cases.push({ ...t, valid: true });
  }
  const t1 = RFC8032[0]!;
  const flipped = fromHex(t1.signature);
  flipped[0] = flipped[0]! ^ 0x01;
  cases.push({ name: 'TEST 1, R bit flipped', publicKey: t1.publicKey, message: t1.message, signature: toHex(flipped), valid: false });
  const sig = fromHex(t1.signature);
  const s = BigInt(`0x${toHex(sig.slice(32).reverse())}`) + L; // S + L: same point, non-canonical scalar
  const sBytes = fromHex(s.toString(16).padStart(64, '0')).reverse();
  const malleable = toHex(sig.slice(0, 32)) + toHex(sBytes);
  cases.push({ name: 'TEST 1, S + L (non-canonical S, RFC 8032 5.1.7)', publicKey: t1.publicKey, message: t1.message, signature: malleable, valid: false });
  for (const c of cases as { name: string; publicKey: string; message: string; signature: string; valid: boolean }[]) {
    const args = [fromHex(c.publicKey), fromHex(c.message), fromHex(c.signature)] as const;
    same(verifyEd25519(...args), c.valid, `${c.name} node verify`);
    same(nobleVerify(...args), c.valid, `${c.name} noble verify`);
  }
  return { description: 'Ed25519: RFC 8032 section 7.1 TEST 1-3 (hex), and signatures both verifiers must refuse.', cases };
}

function paeVectors(): object {
  const cases = [
    { name: 'DSSE spec example', payloadType: 'http://example.com/HelloWorld', payload: 'hello world', pae: 'DSSEv1 29 http://example.com/HelloWorld 11 hello world' },
    { name: 'empty payload', payloadType: TAO_PAYLOAD_TYPE, payload: '', pae: `DSSEv1 42 ${TAO_PAYLOAD_TYPE} 0 ` },
    { name: 'lengths count UTF-8 bytes', payloadType: 't\u00e9', payload: '\u20ac', pae: 'DSSEv1 3 t\u00e9 3 \u20ac' },
    { name: 'small TAO-typed body', payloadType: TAO_PAYLOAD_TYPE, payload: '{"a":1}', pae: `DSSEv1 42 ${TAO_PAYLOAD_TYPE} 7 {"a":1}` },
  ];
  for (const c of cases) same(Buffer.from(pae(c.payloadType, utf8.encode(c.payload))).toString('utf8'), c.pae, c.name);
  return { description: 'DSSE v1 pre-authentication encoding; payloadType, payload and pae as UTF-8 text, paeHex as bytes.', cases: cases.map((c) => ({ ...c, paeHex: toHex(utf8.encode(c.pae)) })) };
}

function taoVectors(): object {
  return {
    description: 'TAO envelopes and the result verifyTao must give with BOTH node:crypto and @noble/ed25519. ctx overrides defaultContext; consumed lists used jtis.',
    keys: Object.fromEntries(Object.entries(KEYS).map(([k, spec]) => [k, { ...spec, publicKey: toHex(signers[k as keyof typeof signers].publicKey), kid: signers[k as keyof typeof signers].keyId }])),
    trustStore: trustStore().toJson(),
    defaultContext: DEFAULT_CONTEXT,
    cases: taoCases(),
  };
}

function exampleVector(): object {
  const payload = basePayload();
  const envelope = signEnvelope(TAO_PAYLOAD_TYPE, payload, signers.governance);
  const body = utf8.encode(canonicalize(payload));
  const message = pae(TAO_PAYLOAD_TYPE, body);
  return {
    description: 'The worked example of docs/tao.md: the demo governance seed 00 01 .. 1f signs the valid TAO.',
    seed: KEYS.governance.seed,
    publicKeyHex: toHex(signers.governance.publicKey),
    publicKeyB64u: toB64u(signers.governance.publicKey),
    kid: signers.governance.keyId,
    envelope,
    payload,
    canonical: canonicalize(payload),
    pae: Buffer.from(message).toString('utf8'),
    paeHex: toHex(message),
    signatureHex: toHex(Buffer.from(envelope.signatures[0]!.sig, 'base64')),
  };
}

/** Every vector file: name -> content. */
export function buildVectors(): Record<string, object> {
  return {
    'canonical.json': canonicalVectors(),
    'ed25519.json': ed25519Vectors(),
    'pae.json': paeVectors(),
    'tao.json': taoVectors(),
    'example.json': exampleVector(),
  };
}

export function render(content: object): string {
  return `${JSON.stringify(content, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [file, content] of Object.entries(buildVectors())) {
    writeFileSync(join(here, file), render(content));
    console.log(`wrote test/vectors/${file}`);
  }
}
