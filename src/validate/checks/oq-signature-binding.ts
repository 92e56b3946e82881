/** OQ-09: the approver's name, time, meaning and reason are signed with the approval and travel in the TAO; changing any breaks the signature. */
import { verifyApproval } from '../../tao/approval.js';
import type { Envelope } from '../../tao/envelope.js';
import { NotRun, type Check } from '../types.js';
import { bodyOf } from './act.js';
import { payloadOf } from './tao-tools.js';

export const oqSignatureBinding: Check = {
  id: 'OQ-09',
  phase: 'OQ',
  title: 'A reason and meaning are bound to each approval signature',
  async run(ctx) {
    const from = ctx.shared.get('approval') as { intent: number; reason: string; approver: string } | undefined;
    if (!from) throw new NotRun('OQ-08 produced no approved write to inspect');
    const intent = (await ctx.receipts()).find((r) => r.seq === from.intent);
    if (!intent) throw new Error(`intent receipt ${from.intent} is not in the ledger`);
    const tao = payloadOf(bodyOf(intent).tao as Envelope);
    const a = tao.approvals.find((x) => x.approver === from.approver);
    if (!a) return { ok: false, done: [`read the TAO in intent ${intent.seq}`], expected: `an approval by ${from.approver}`, observed: `approvals: ${tao.approvals.map((x) => x.approver).join(', ') || 'none'}`, receipts: [intent.seq] };
    const at = a.ts;
    const genuine = verifyApproval(a, ctx.o.trust, at);
    const reasonChanged = verifyApproval({ ...a, reason: `${a.reason} (edited)` }, ctx.o.trust, at);
    const meaningChanged = verifyApproval({ ...a, meaning: 'reviewed' === a.meaning ? 'approved' : 'reviewed' }, ctx.o.trust, at);
    const signerChanged = verifyApproval({ ...a, ts: a.ts + 3600 }, ctx.o.trust, at);
    const manifest = a.approver === from.approver && a.meaning.length > 0 && a.reason === from.reason && Number.isInteger(a.ts);
    return {
      ok: manifest && genuine.ok && !reasonChanged.ok && !meaningChanged.ok && !signerChanged.ok,
      done: [
        `read the TAO carried by intent receipt ${intent.seq} (jti ${tao.jti})`,
        `verified ${a.approver}'s approval against the trust store`,
        'verified it again with the reason changed, with the meaning changed, and with the time changed',
      ],
      expected: 'the approval shows signer, time, meaning and reason, and verifies; every edited copy fails to verify',
      observed: `signer ${a.approver} (${a.role}, key ${a.keyid}), time ${new Date(a.ts * 1000).toISOString()}, meaning "${a.meaning}", reason "${a.reason}"; genuine: ${genuine.ok ? 'verifies' : genuine.reason}; reason edited: ${reasonChanged.ok ? 'VERIFIES' : 'fails'}; meaning edited: ${meaningChanged.ok ? 'VERIFIES' : 'fails'}; time edited: ${signerChanged.ok ? 'VERIFIES' : 'fails'}`,
      receipts: [intent.seq],
      evidence: { approver: a.approver, meaning: a.meaning, reason: a.reason, signedAt: a.ts, keyid: a.keyid },
    };
  },
};
