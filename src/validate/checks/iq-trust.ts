/** IQ-04: the trust store is consistent with the profile and the running gateway. */
import { validAt } from '../../tao/truststore.js';
import { bodyOf } from './act.js';
import type { Check } from '../types.js';

export const iqTrust: Check = {
  id: 'IQ-04',
  phase: 'IQ',
  title: 'Trust store consistent',
  async run(ctx) {
    const trust = ctx.o.trust;
    const now = Math.floor(Date.now() / 1000);
    const problems: string[] = [];
    const keys = trust.keys();
    const gateways = keys.filter((k) => k.role === 'gateway' && k.name === ctx.gatewayId);
    if (gateways.length === 0) problems.push(`no gateway key for ${ctx.gatewayId}`);
    if (!keys.some((k) => k.role === 'governance' && validAt(k, now))) problems.push('no governance key valid now');
    for (const a of ctx.o.profile.approvers.values()) {
      // After `keys rotate approver` the trust store holds the ended key too: check the one valid now.
      const mine = keys.filter((k) => k.role === 'approver' && k.name === a.id);
      const k = mine.filter((x) => validAt(x, now)).at(-1) ?? mine.at(-1);
      if (!k) problems.push(`approver ${a.id} of the profile has no approver key`);
      else if (k.approverRole !== undefined && k.approverRole !== a.role) problems.push(`approver ${a.id}: key approves as ${k.approverRole}, the profile says ${a.role}`);
    }
    const names = new Map<string, number>();
    for (const k of keys) names.set(`${k.role}/${k.name}`, (names.get(`${k.role}/${k.name}`) ?? 0) + 1);
    for (const k of keys) if (k.role === 'approver' && (names.get(`approver/${k.name}`) ?? 0) > 1 && validAt(k, now)) problems.push(`approver ${k.name} has more than one key valid now`);
    const start = [...(await ctx.receipts())].reverse().find((r) => r.kind === 'start');
    const runningKid = start ? String(bodyOf(start).kid ?? '') : '';
    if (runningKid && !gateways.some((g) => g.kid === runningKid)) problems.push(`the gateway started with key ${runningKid}, which is not its key in the trust store`);
    // The gateway's key: the one it started with, else (no start receipt) its newest key valid now (after `keys rotate` the old one is there too).
    const gatewayKey = gateways.find((g) => g.kid === runningKid) ?? gateways.filter((g) => validAt(g, now)).at(-1) ?? gateways[0];
    return {
      ok: problems.length === 0,
      done: [`loaded the trust store ${ctx.o.trustPath} (${keys.length} keys)`, 'checked the gateway, governance and every profile approver key, their roles and validity windows', start ? `compared the key the gateway started with (start receipt seq ${start.seq})` : 'found no start receipt to compare the running gateway key'],
      expected: `one gateway key for ${ctx.gatewayId} (the one it runs with), a valid governance key, one valid approver key per profile approver with the profile's role`,
      observed: problems.length ? problems.join('; ') : `${keys.length} keys consistent; gateway kid ${gatewayKey?.kid ?? '-'} (${gatewayKey?.alg ?? 'EdDSA'})`,
      receipts: start ? [start.seq] : [],
      evidence: { trustStore: ctx.o.trustPath, keys: keys.length, gatewayKid: gatewayKey?.kid ?? null, gatewayAlg: gatewayKey?.alg ?? null, runningKid: runningKid || null },
    };
  },
};
