/**
 * The deterministic world every TAO vector and test is built from: fixed
 * 32-byte seeds (written out in hex here and in tao.json), a fixed clock, a
 * trust store, a gateway id and a policy hash. Nothing here is random, so
 * test/vectors/generate.ts reproduces its output byte for byte.
 */
import { Ed25519Signer } from '../../src/crypto/ed25519.js';
import { fromHex } from '../../src/crypto/encoding.js';
import { sha256Hex } from '../../src/crypto/hash.js';
import type { KeyRole } from '../../src/crypto/keyfile.js';
import { noblePublicKey } from '../../src/crypto/noble.js';
import { signApproval, proposalDigest } from '../../src/tao/approval.js';
import type { Approval, TaoPayload } from '../../src/tao/payload.js';
import { TrustStore } from '../../src/tao/truststore.js';

/** Seed i: the 32 bytes start, start+1, ..., start+31 (hex). The demo governance seed is 00 01 .. 1f. */
export function seedHex(start: number): string {
  return Array.from({ length: 32 }, (_, i) => ((start + i) & 0xff).toString(16).padStart(2, '0')).join('');
}

export function signerFromSeed(hex: string): Ed25519Signer {
  const privateKey = fromHex(hex);
  return new Ed25519Signer({ privateKey, publicKey: noblePublicKey(privateKey) });
}

export const NOW = 1767225600; // 2026-01-01T00:00:00Z
export const SKEW = 5;
export const AUDIENCE = 'gw-cell-1';
export const POLICY = sha256Hex('taogate demo policy v1');
export const JTI = '00112233445566778899aabbccddeeff';
export const REQUEST = 'R-0a1b2c3d4e5f';

export interface KeySpec {
  readonly seed: string;
  readonly name: string;
  readonly role: KeyRole;
  readonly trusted: boolean;
  readonly notBefore?: number;
  readonly notAfter?: number;
  readonly approverRole?: string;
}

export const KEYS = {
  governance: { seed: seedHex(0x00), name: 'governance', role: 'governance', trusted: true, notBefore: NOW - 86400 },
  gateway: { seed: seedHex(0x20), name: AUDIENCE, role: 'gateway', trusted: true },
  bob: { seed: seedHex(0x40), name: 'bob', role: 'approver', trusted: true, approverRole: 'supervisor' },
  carol: { seed: seedHex(0x60), name: 'carol', role: 'approver', trusted: true, approverRole: 'supervisor' },
  mallory: { seed: seedHex(0x80), name: 'mallory', role: 'governance', trusted: false },
  retired: { seed: seedHex(0xa0), name: 'governance-2025', role: 'governance', trusted: true, notBefore: NOW - 400 * 86400, notAfter: NOW - 3600 },
} as const satisfies Record<string, KeySpec>;

export type KeyName = keyof typeof KEYS;

export const signers = Object.fromEntries(Object.entries(KEYS).map(([k, spec]) => [k, signerFromSeed(spec.seed)])) as Record<KeyName, Ed25519Signer>;

export function trustStore(): TrustStore {
  const trust = new TrustStore();
  for (const [k, spec] of Object.entries(KEYS) as [KeyName, KeySpec][]) {
    if (!spec.trusted) continue;
    const { name, role, notBefore, notAfter, approverRole } = spec;
    trust.add({ kid: signers[k].keyId, name, role, publicKey: signers[k].publicKey, notBefore, notAfter, approverRole });
  }
  return trust;
}

/** The valid TAO every negative case is derived from: hmi-1 sets skid.flow_sp to 42.5. */
export function basePayload(over: Partial<TaoPayload> = {}): TaoPayload {
  return {
    v: 1,
    typ: 'tao',
    jti: JTI,
    iss: 'governance',
    kid: signers.governance.keyId,
    aud: AUDIENCE,
    sub: 'hmi-1',
    kind: 'human',
    role: 'operator',
    scope: { op: 'write', target: 'skid.flow_sp', value: '42.5' },
    reason: 'raise flow for batch 7',
    iat: NOW - 5,
    nbf: NOW - 5,
    exp: NOW + 55,
    policy: POLICY,
    approvals: [],
    ...over,
  };
}

/** A TAO for skid.pressure_max = 650 that needs one supervisor: the payload without approvals. */
export function approvalPayload(over: Partial<TaoPayload> = {}): TaoPayload {
  return basePayload({ scope: { op: 'write', target: 'skid.pressure_max', value: '650' }, reason: 'new relief setting', request: REQUEST, ...over });
}

export interface ApprovalOptions {
  readonly by?: 'bob' | 'carol' | 'mallory';
  readonly approver?: string;
  readonly digestOf?: Pick<TaoPayload, 'aud' | 'sub' | 'scope'>;
  readonly request?: string;
  readonly decision?: 'approve' | 'reject';
  readonly ts?: number;
}

/** bob's (or another's) signed approval of the given payload's proposal. */
export function approvalFor(p: TaoPayload, o: ApprovalOptions = {}): Approval {
  const by = o.by ?? 'bob';
  const of = o.digestOf ?? p;
  return signApproval(
    {
      typ: 'taogate.approval.v1',
      approver: o.approver ?? KEYS[by].name,
      role: 'supervisor',
      request: o.request ?? p.request ?? REQUEST,
      digest: proposalDigest({ aud: of.aud, sub: of.sub, ...of.scope }),
      decision: o.decision ?? 'approve',
      meaning: 'approved as supervisor',
      reason: 'checked against the batch record',
      ts: o.ts ?? p.iat - 30,
    },
    signers[by],
  );
}
