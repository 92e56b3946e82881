/**
 * OQ-04: an expired TAO is refused. With the governance key on this host the
 * TAO is a test vector (a genuine TAO's payload, new jti, exp in the past);
 * otherwise a genuine TAO is held until it expires (when that is <= 90 s).
 */
import type { Envelope } from '../../tao/envelope.js';
import { NotRun, type Check } from '../types.js';
import { valueNear } from './act.js';
import { answerText, governanceSigned, issuedTao, payloadOf, present, presentDenials } from './tao-tools.js';

const MAX_WAIT_S = 90;

export const oqExpired: Check = {
  id: 'OQ-04',
  phase: 'OQ',
  title: 'An expired TAO is refused',
  async run(ctx) {
    const { free, writer } = ctx.subjects();
    const value = valueNear(free, (await ctx.plcValue(free)).value, 4);
    const genuine = await issuedTao(ctx, writer.id, free.name, String(value), `OQ-04 ${ctx.o.runId}`);
    const skew = ctx.o.profile.defaults.clockSkewS;
    const done = [`asked governance for a genuine TAO for ${writer.id} ${free.name}=${value}`];
    const now = Math.floor(Date.now() / 1000);
    let expired: Envelope | undefined = governanceSigned(ctx, genuine, (p) => ({ ...p, iat: now - 600, nbf: now - 600, exp: now - 300 }));
    if (expired) done.push('signed a copy of its payload with a new jti and exp 300 s ago with the governance key found on this host');
    else {
      const wait = payloadOf(genuine).exp + skew + 1 - now;
      if (wait > MAX_WAIT_S) throw new NotRun(`no governance key on this host and the TAO lives ${wait} s (> ${MAX_WAIT_S} s) before it expires`, done);
      done.push(`held it ${wait} s until past its exp plus the allowed clock skew`);
      await new Promise((r) => setTimeout(r, wait * 1000));
      expired = genuine;
    }
    const seqBefore = await ctx.headSeq();
    const answer = await present(ctx, expired);
    done.push('presented it to the gateway');
    const rs = presentDenials(await ctx.receiptsAfter(seqBefore, (xs) => presentDenials(xs).length >= 1, 10_000));
    return {
      ok: answer.ok !== true && answer.code === 'expired' && rs.length >= 1,
      done,
      expected: 'refused with code expired, and a denied receipt',
      observed: `${answerText(answer)}; denied receipts ${rs.map((r) => r.seq).join(', ') || 'none'}`,
      receipts: rs.map((r) => r.seq),
      evidence: { code: String(answer.code ?? 'staged'), exp: payloadOf(expired).exp },
    };
  },
};
