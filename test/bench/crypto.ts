/**
 * Scenario 5, crypto on the same machine in the same run: TAO sign
 * (issueTao: canonical JSON + DSSE PAE + Ed25519) and TAO verify (verifyTaoSync:
 * the whole check pipeline) with node:crypto (cached KeyObject, the hot path)
 * and @noble/ed25519 (strict, the second implementation), plus the bare
 * Ed25519 sign / verify over a 300-byte message.
 */
import type { Signer } from '../../src/crypto/ed25519.js';
import { verifyEd25519 } from '../../src/crypto/ed25519.js';
import { nobleSign, nobleVerify } from '../../src/crypto/noble.js';
import { issueTao } from '../../src/tao/payload.js';
import { verifyTaoSync } from '../../src/tao/verify.js';
import { AUDIENCE, basePayload, KEYS, NOW, POLICY, SKEW, signers, trustStore } from '../vectors/fixtures.js';
import { fromHex } from '../../src/crypto/encoding.js';
import { summarize, type BenchContext, type Row, type ScenarioResult } from './stats.js';

/** Calls fn in batches of `batch` for ~ms; returns ops/s and per-op µs per batch. */
function measure(fn: (i: number) => unknown, ms: number, batch = 50): { opsPerSec: number; perOpUs: number[]; n: number } {
  for (let i = 0; i < 200; i++) fn(i); // warm-up
  const perOpUs: number[] = [];
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const t = performance.now();
    for (let k = 0; k < batch; k++) fn(n + k);
    perOpUs.push(((performance.now() - t) * 1000) / batch);
    n += batch;
  }
  return { opsPerSec: n / ((performance.now() - t0) / 1000), perOpUs, n };
}

export async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const ms = ctx.quick ? 400 : 2000;
  const gov = signers.governance;
  const seed = fromHex(KEYS.governance.seed);
  const nobleSigner = { keyId: gov.keyId, publicKey: gov.publicKey, pair: gov.pair, sign: (m: Uint8Array) => nobleSign(seed, m) } as unknown as Signer;
  const payload = basePayload();
  const trust = trustStore();
  const envelope = issueTao(payload, gov);
  const ctxFor = (impl: 'node' | 'noble') => ({ trust, nowSeconds: NOW, audience: AUDIENCE, skewSeconds: SKEW, policyHash: POLICY, approvalRule: { count: 0, roles: [] }, impl });
  const nodeCtx = ctxFor('node');
  const nobleCtx = ctxFor('noble');
  // Sanity: both implementations produce the same signature and accept each other's.
  const a = issueTao(payload, gov);
  const b = issueTao(payload, nobleSigner);
  if (a.signatures[0]!.sig !== b.signatures[0]!.sig) throw new Error('node:crypto and noble signatures differ');
  for (const c of [nodeCtx, nobleCtx]) if (!verifyTaoSync(b, c).ok || !verifyTaoSync(a, c).ok) throw new Error(`verifyTaoSync(${c.impl}) refused a valid TAO`);
  const msg = new Uint8Array(300).map((_, i) => i & 0xff);
  const sigNode = gov.sign(msg);

  const cases: [string, (i: number) => unknown][] = [
    ['TAO sign, node:crypto (issueTao)', () => issueTao(payload, gov)],
    ['TAO sign, @noble/ed25519', () => issueTao(payload, nobleSigner)],
    ['TAO verify, node:crypto (verifyTaoSync, all checks)', () => verifyTaoSync(envelope, nodeCtx)],
    ['TAO verify, @noble/ed25519 (verifyTaoSync)', () => verifyTaoSync(envelope, nobleCtx)],
    ['Ed25519 sign 300 B, node:crypto', () => gov.sign(msg)],
    ['Ed25519 sign 300 B, @noble/ed25519', () => nobleSign(seed, msg)],
    ['Ed25519 verify 300 B, node:crypto (cached key)', () => verifyEd25519(gov.publicKey, msg, sigNode)],
    ['Ed25519 verify 300 B, @noble/ed25519', () => nobleVerify(gov.publicKey, msg, sigNode)],
  ];
  const rows: Row[] = [];
  const raw: Record<string, number> = {};
  for (const [label, fn] of cases) {
    const m = measure(fn, label.includes('noble') && label.includes('verify') ? ms * 1.5 : ms, label.includes('noble') ? 10 : 50);
    rows.push({ label, unit: 'µs/op', stats: summarize(m.perOpUs), opsPerSec: m.opsPerSec });
    raw[label] = m.opsPerSec;
    ctx.log(`  ${label}: ${Math.round(m.opsPerSec)} ops/s`);
  }
  const ratio = (x: string, y: string) => (raw[x]! / raw[y]!);
  return {
    scenario: 'crypto',
    title: 'Crypto: TAO sign / verify, node:crypto vs @noble/ed25519 (single thread)',
    params: { msPerCase: ms, payload: 'test/vectors basePayload (hmi-1 sets skid.flow_sp 42.5)', envelopeBytes: JSON.stringify(envelope).length, timing: 'per-op µs = one batch of 50 (10 for noble) / batch size' },
    rows,
    comparison: {
      nodeOverNobleSign: ratio(cases[0]![0], cases[1]![0]),
      nodeOverNobleVerify: ratio(cases[2]![0], cases[3]![0]),
      sameSignatures: true,
    },
    targets: [],
  };
}
