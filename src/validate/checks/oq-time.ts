/** OQ-11: the time source is consistent: the gateway's clock, its receipts' timestamps and the TAOs' issue times agree within the profile's skew. */
import type { Envelope } from '../../tao/envelope.js';
import type { Check } from '../types.js';
import { bodyOf } from './act.js';
import { payloadOf } from './tao-tools.js';

export const oqTime: Check = {
  id: 'OQ-11',
  phase: 'OQ',
  title: 'The time source is consistent',
  async run(ctx) {
    const skewMs = ctx.o.profile.defaults.clockSkewS * 1000;
    const clock = await ctx.ops.clock();
    // The Date header has second resolution: allow one second on top of the skew and the round trip.
    const offset = clock.remoteMs - clock.localMs;
    const clockOk = Math.abs(offset) <= skewMs + 1000 + clock.rttMs;
    const runStart = Date.parse(ctx.o.startedAt);
    const now = Date.now();
    const startSeq = ctx.shared.get('startSeq') as number | undefined;
    const ours = (await ctx.receipts()).filter((r) => (startSeq !== undefined ? r.seq > startSeq : r.ts >= runStart - skewMs));
    const outside = ours.filter((r) => r.ts > now + skewMs);
    let ordered = true;
    for (let i = 1; i < ours.length; i++) if ((ours[i] as { ts: number }).ts < (ours[i - 1] as { ts: number }).ts) ordered = false;
    const intents = ours.filter((r) => r.kind === 'intent' && bodyOf(r).tao);
    const taoGaps = intents.map((r) => {
      const t = payloadOf(bodyOf(r).tao as Envelope);
      return { seq: r.seq, gapMs: r.ts - t.iat * 1000, inWindow: r.ts >= (t.nbf * 1000 - skewMs) && r.ts <= t.exp * 1000 + skewMs };
    });
    const taoOk = taoGaps.every((g) => g.inWindow && g.gapMs >= -skewMs);
    return {
      ok: clockOk && outside.length === 0 && ordered && ours.length > 0 && taoOk,
      done: [
        `compared the gateway host's clock (HTTP Date of ${ctx.o.target.http}) with this host's`,
        `checked the timestamps of the ${ours.length} receipts written since the run started: not in the future, never going backwards`,
        `checked each of ${intents.length} intents against its TAO's issue time and validity window`,
      ],
      expected: `clock offset within the profile's skew (${ctx.o.profile.defaults.clockSkewS} s); receipts ordered and not in the future; every TAO used inside its window`,
      observed: `offset ${offset} ms (round trip ${clock.rttMs} ms); ${ours.length} receipts, ${outside.length} in the future, ${ordered ? 'ordered' : 'OUT OF ORDER'}; TAO issue-to-use gaps ${taoGaps.map((g) => `${g.seq}: ${g.gapMs} ms${g.inWindow ? '' : ' OUTSIDE WINDOW'}`).join(', ') || 'none'}`,
      receipts: ours.length ? [ours[0]!.seq, ours.at(-1)!.seq] : [],
      evidence: { offsetMs: offset, rttMs: clock.rttMs, skewS: ctx.o.profile.defaults.clockSkewS, receipts: ours.length },
    };
  },
};
