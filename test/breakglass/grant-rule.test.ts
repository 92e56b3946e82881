/**
 * The profile's break-glass rule (profile `breakglass`: approvals, roles,
 * max_minutes; defaults 2 supervisors, 30 min) is what a grant is checked
 * against. Keys and clock from test/vectors/fixtures.ts.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { grantRuleOf } from '../../src/gateway/gate/breakglass.js';
import { loadProfile } from '../../src/policy/load.js';
import type { Profile } from '../../src/policy/types.js';
import { newGrantBody, signGrant, verifyGrant, type Grant } from '../../src/tao/grant.js';
import { AUDIENCE, NOW, SKEW, signers, trustStore } from '../vectors/fixtures.js';

function withBreakglass(yaml: string): Profile {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-bg-profile-'));
  try {
    const file = join(dir, 'cell.yaml');
    writeFileSync(file, `${readFileSync(DEMO_PROFILE, 'utf8')}\n${yaml}`);
    return loadProfile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function check(profile: Profile, grant: Grant, impl: 'node' | 'noble' = 'node') {
  return verifyGrant(grant, { trust: trustStore(), gateway: AUDIENCE, nowSeconds: NOW, skewSeconds: SKEW, rule: grantRuleOf(profile), approverRole: (n) => profile.approvers.get(n)?.role, impl });
}

const twoSigned = (minutes: number): Grant => {
  const body = newGrantBody({ gateway: AUDIENCE, minutes, reason: 'rule test', nowSeconds: NOW });
  return signGrant(signGrant(body, 'bob', 'supervisor', signers.bob), 'carol', 'supervisor', signers.carol);
};

describe('break-glass: the profile rule', () => {
  it('when the profile says nothing the rule is 2 supervisors and 30 minutes, and a 2-signature grant passes on both verifiers', () => {
    const profile = loadProfile(DEMO_PROFILE);
    expect(grantRuleOf(profile)).to.deep.equal({ count: 2, roles: ['supervisor'], maxMinutes: 30 });
    for (const impl of ['node', 'noble'] as const) expect(check(profile, twoSigned(30), impl)).to.include({ ok: true });
  });

  it('when the profile asks for 3 approvers and at most 10 minutes, two signatures and a 20-minute window are refused', () => {
    const profile = withBreakglass('breakglass:\n  approvals: 3\n  max_minutes: 10\n');
    expect(grantRuleOf(profile)).to.deep.equal({ count: 3, roles: ['supervisor'], maxMinutes: 10 });
    expect(check(profile, twoSigned(10))).to.include({ ok: false, code: 'approvals_missing' });
    expect(check(profile, twoSigned(20))).to.include({ ok: false, code: 'malformed' });
  });

  it('when the profile allows only the qa role, supervisors may not sign a grant', () => {
    const profile = withBreakglass('breakglass:\n  roles: [qa]\n');
    expect(check(profile, twoSigned(5))).to.include({ ok: false, code: 'role_not_allowed' });
  });

  it('when the breakglass section has an unknown key the profile is refused', () => {
    expect(() => withBreakglass('breakglass:\n  approval: 3\n')).to.throw(/breakglass/);
  });
});
