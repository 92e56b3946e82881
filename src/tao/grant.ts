/**
 * Break-glass grants: k supervisors authorize, offline and without
 * governance, a short window in which one gateway forwards writes that pass
 * its own hard limits without a TAO. A grant is checked like an approval:
 * every signature by an approver key of the trust store, held by the named
 * approver, for a role the profile allows, over the exact grant.
 *
 *   { typ: "taogate.breakglass.v1", id: HEX32, gateway, tags: ["*"] | [TAG...],
 *     nbf, exp, reason, signatures: [{ approver, role, keyid, sig }] }
 *
 *   sig = SIGN(approver key, JCS({typ, id, gateway, tags, nbf, exp, reason, approver, role}))
 */
import { randomBytes } from 'node:crypto';
import type { Signer } from '../crypto/alg.js';
import { canonicalBytes } from '../crypto/canonical.js';
import { fromB64, toB64 } from '../crypto/encoding.js';
import type { RefusalCode } from '../refusal/codes.js';
import { verifierFor, type Ed25519Impl } from './impl.js';
import { array, BASE64, HEX32, integer, name, object, ShapeError, string } from './strict.js';
import type { TrustStore } from './truststore.js';

export const GRANT_TYP = 'taogate.breakglass.v1';
/** All tags of the gateway. */
export const ALL_TAGS = '*';

export interface GrantSignature {
  approver: string;
  role: string;
  keyid: string;
  sig: string;
}

export interface GrantBody {
  id: string;
  gateway: string;
  tags: string[];
  nbf: number;
  exp: number;
  reason: string;
}

export interface Grant extends GrantBody {
  typ: typeof GRANT_TYP;
  signatures: GrantSignature[];
}

/** What the profile allows (profile `breakglass`; defaults: 2 supervisors, 30 minutes). */
export interface GrantRule {
  readonly count: number;
  readonly roles: readonly string[];
  readonly maxMinutes: number;
}

export const DEFAULT_GRANT_RULE: GrantRule = { count: 2, roles: ['supervisor'], maxMinutes: 30 };

export function newGrantBody(o: { gateway: string; tags?: readonly string[]; minutes: number; reason: string; nowSeconds: number }): GrantBody {
  return { id: randomBytes(16).toString('hex'), gateway: o.gateway, tags: o.tags && o.tags.length ? [...o.tags] : [ALL_TAGS], nbf: o.nowSeconds, exp: o.nowSeconds + Math.round(o.minutes * 60), reason: o.reason };
}

/** The bytes one approver signs. */
export function grantMessage(g: GrantBody, approver: string, role: string): Uint8Array {
  const { id, gateway, tags, nbf, exp, reason } = g;
  return canonicalBytes({ typ: GRANT_TYP, id, gateway, tags, nbf, exp, reason, approver, role });
}

/** Add one approver's signature (a grant is passed from supervisor to supervisor, each signing on their own machine). */
export function signGrant(g: GrantBody & { signatures?: GrantSignature[] }, approver: string, role: string, signer: Signer): Grant {
  const { id, gateway, tags, nbf, exp, reason } = g;
  const sig: GrantSignature = { approver, role, keyid: signer.keyId, sig: toB64(signer.sign(grantMessage(g, approver, role))) };
  return { typ: GRANT_TYP, id, gateway, tags: [...tags], nbf, exp, reason, signatures: [...(g.signatures ?? []), sig] };
}

export interface GrantContext {
  readonly trust: TrustStore;
  readonly gateway: string;
  readonly nowSeconds: number;
  readonly skewSeconds: number;
  readonly rule: GrantRule;
  /** The profile role of an approver (undefined: not an approver of this profile). */
  readonly approverRole: (name: string) => string | undefined;
  readonly impl?: Ed25519Impl;
}

export type GrantCheck = { readonly ok: true; readonly grant: Grant; readonly signers: readonly string[] } | { readonly ok: false; readonly code: RefusalCode; readonly reason: string };

const fail = (code: RefusalCode, reason: string): GrantCheck => ({ ok: false, code, reason });

/**
 * Checks, in order: shape, gateway, window length, time, each signature
 * (no approver twice, a valid approver key of that approver, a role the
 * profile allows, the signature), then that k approvers signed. Whether the
 * grant was used before is the gate's check (its id is consumed in the
 * ledger). Never throws.
 */
export function verifyGrant(input: unknown, c: GrantContext): GrantCheck {
  let g: Grant;
  try {
    g = readGrant(input);
  } catch (err) {
    return fail('malformed', `grant: ${(err as Error).message}`);
  }
  if (g.gateway !== c.gateway) return fail('wrong_audience', `the grant is for gateway ${g.gateway}, this is ${c.gateway}`);
  if (g.exp <= g.nbf) return fail('malformed', 'grant: exp must be after nbf');
  if (g.exp - g.nbf > c.rule.maxMinutes * 60) return fail('malformed', `grant window is ${Math.ceil((g.exp - g.nbf) / 60)} min; the profile allows at most ${c.rule.maxMinutes} min`);
  if (c.nowSeconds + c.skewSeconds < g.nbf) return fail('not_yet_valid', `grant is valid from ${g.nbf}, now is ${c.nowSeconds}`);
  if (c.nowSeconds >= g.exp) return fail('expired', `grant expired at ${g.exp}, now is ${c.nowSeconds}`);
  const verify = verifierFor(c.impl);
  const seen = new Set<string>();
  for (const s of g.signatures) {
    if (seen.has(s.approver)) return fail('duplicate_approver', `${s.approver} signed the grant twice`);
    seen.add(s.approver);
    const key = c.trust.lookup(s.keyid, 'approver', c.nowSeconds);
    if (!key) return fail('unknown_key', `key ${s.keyid} of ${s.approver} is not a valid approver key in the trust store`);
    if (key.name !== s.approver) return fail('bad_approval', `key ${s.keyid} belongs to ${key.name}, not ${s.approver}`);
    const role = c.approverRole(s.approver);
    if (role === undefined || role !== s.role || (key.approverRole !== undefined && key.approverRole !== s.role)) {
      return fail('role_not_allowed', `${s.approver} does not hold role ${s.role} in this profile`);
    }
    if (!c.rule.roles.includes(s.role)) return fail('role_not_allowed', `role ${s.role} of ${s.approver} may not sign a break-glass grant (allowed: ${c.rule.roles.join(', ')})`);
    if (!verify(key.publicKey, grantMessage(g, s.approver, s.role), fromB64(s.sig))) return fail('bad_approval', `the signature of ${s.approver} does not verify`);
  }
  if (seen.size < c.rule.count) return fail('approvals_missing', `the grant has ${seen.size} valid signature(s); the profile requires ${c.rule.count}`);
  return { ok: true, grant: g, signers: [...seen] };
}

function readGrant(x: unknown): Grant {
  const o = object(x, 'grant', ['typ', 'id', 'gateway', 'tags', 'nbf', 'exp', 'reason', 'signatures']);
  if (o.typ !== GRANT_TYP) throw new ShapeError('grant.typ', `must be ${GRANT_TYP}`);
  const tags = array(o.tags, 'grant.tags', 1000, (t, p) => string(t, p, { max: 200, min: 1, pattern: /^[^\s]+$/, what: 'a tag name or *' }));
  if (tags.length === 0) throw new ShapeError('grant.tags', 'must not be empty (use ["*"] for every tag)');
  const signatures = array(o.signatures, 'grant.signatures', 16, (s, p) => {
    const so = object(s, p, ['approver', 'role', 'keyid', 'sig']);
    const sig = string(so.sig, `${p}.sig`, { ...BASE64, max: 88 });
    try {
      if (fromB64(sig).length !== 64) throw new Error();
    } catch {
      throw new ShapeError(`${p}.sig`, 'must be canonical base64 of 64 bytes');
    }
    return { approver: name(so.approver, `${p}.approver`), role: name(so.role, `${p}.role`), keyid: string(so.keyid, `${p}.keyid`, HEX32), sig };
  });
  return {
    typ: GRANT_TYP,
    id: string(o.id, 'grant.id', HEX32),
    gateway: name(o.gateway, 'grant.gateway'),
    tags,
    nbf: integer(o.nbf, 'grant.nbf'),
    exp: integer(o.exp, 'grant.exp'),
    reason: string(o.reason, 'grant.reason', { max: 256, min: 1, what: 'text' }),
    signatures,
  };
}
