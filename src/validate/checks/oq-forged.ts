/** OQ-03: a forged TAO (altered payload; signed by a key outside the trust store) is refused; nothing reaches the PLC. */
import type { Check } from '../types.js';
import { same, valueNear } from './act.js';
import { alteredPayload, answerText, issuedTao, present, presentDenials, untrustedSigned } from './tao-tools.js';

export const oqForged: Check = {
  id: 'OQ-03',
  phase: 'OQ',
  title: 'A forged TAO is refused',
  async run(ctx) {
    const { free, writer } = ctx.subjects();
    const before = await ctx.plcValue(free);
    const value = valueNear(free, before.value, 4);
    const genuine = await issuedTao(ctx, writer.id, free.name, String(value), `OQ-03 ${ctx.o.runId}`);
    const seqBefore = await ctx.headSeq();
    const altered = await present(ctx, alteredPayload(genuine));
    const untrusted = await present(ctx, untrustedSigned(genuine));
    const rs = presentDenials(await ctx.receiptsAfter(seqBefore, (xs) => presentDenials(xs).length >= 2, 10_000));
    const after = await ctx.plcValue(free);
    return {
      ok: altered.ok !== true && untrusted.ok !== true && rs.length >= 2 && same(before.value, after.value),
      done: [
        `asked governance for a genuine TAO for ${writer.id} ${free.name}=${value} (never presented)`,
        'presented a copy whose signed payload had its value changed, signature kept',
        'presented the same payload signed by a freshly generated key that is in no trust store',
        `read ${free.name} from ${before.via} before and after`,
      ],
      expected: 'both refused (bad_signature, unknown_key), each with a denied receipt; the PLC value unchanged',
      observed: `altered payload: ${answerText(altered)}; untrusted key: ${answerText(untrusted)}; denied receipts ${rs.map((r) => r.seq).join(', ') || 'none'}; PLC ${before.value} -> ${after.value}`,
      receipts: rs.map((r) => r.seq),
      evidence: { alteredCode: String(altered.code ?? 'staged'), untrustedCode: String(untrusted.code ?? 'staged'), plcBefore: before.value, plcAfter: after.value },
    };
  },
};
