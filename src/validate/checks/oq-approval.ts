/**
 * OQ-08: a write that needs approval is refused and stays pending (PLC
 * untouched) until a second person approves; the requester's own approval is
 * refused; after the approval the retry passes exactly once.
 */
import { readPrivateKeyFile } from '../../crypto/keyfile.js';
import type { RequestView } from '../../governance/views.js';
import { proposalDigest, signApproval } from '../../tao/approval.js';
import type { Signer } from '../../crypto/ed25519.js';
import type { ValidateContext } from '../context.js';
import { NotRun, type Check } from '../types.js';
import { bodyOf, describeAnswer, isOutcome, receiptsOfWrite, same, writeObserved } from './act.js';

async function pendingRequest(ctx: ValidateContext, id: string): Promise<RequestView | undefined> {
  const answer = await (await ctx.broker()).governance({ type: 'approvals.list' });
  return (answer.requests as RequestView[] | undefined)?.find((r) => r.id === id);
}

async function approve(ctx: ValidateContext, r: RequestView, name: string, role: string, signer: Signer, reason: string) {
  const digest = proposalDigest({ aud: r.aud, sub: r.actor, op: r.op, target: r.target, value: r.value, args: r.args });
  if (digest !== r.digest) throw new Error(`request ${r.id}: governance's digest does not match the proposal it shows`);
  const approval = signApproval({ typ: 'taogate.approval.v1', approver: name, role, request: r.id, digest, decision: 'approve', meaning: 'approved', reason, ts: Math.floor(Date.now() / 1000) }, signer);
  return (await ctx.broker()).governance({ type: 'approve', approval });
}

export const oqApproval: Check = {
  id: 'OQ-08',
  phase: 'OQ',
  title: 'An approval-required write stays pending until a second person approves; the requester cannot approve their own',
  async run(ctx) {
    const { approval: tag, writer, writerSource } = ctx.subjects();
    if (!tag) throw new NotRun(`the profile has no numeric Modbus tag with approvals that ${ctx.subjects().writer.id} may write`);
    const operator = ctx.o.operator;
    if (!operator) throw new NotRun('nobody to approve: run validate with --as NAME (an approver)');
    if (tag.approvals.count !== 1) throw new NotRun(`${tag.name} needs ${tag.approvals.count} approvals; this run has one approver (${operator.name})`);
    if (!tag.approvals.roles.includes(operator.role)) throw new NotRun(`${operator.name} approves as ${operator.role}; ${tag.name} needs ${tag.approvals.roles.join('|')}`);
    const current = (await ctx.plcValue(tag)).value;
    const value = current + 10 <= (tag.max as number) ? Math.round(current) + 10 : Math.round(current) - 10;
    const reason = `OQ-08 ${ctx.o.runId}: qualification of the approval rule`;
    const first = await writeObserved(ctx, tag, value, writerSource);
    const rs1 = receiptsOfWrite(await ctx.receiptsAfter(first.seqBefore, (xs) => receiptsOfWrite(xs, writer.id, tag.name).some((r) => r.kind === 'denied')), writer.id, tag.name);
    const denied = rs1.find((r) => r.kind === 'denied');
    const requestId = denied ? String(bodyOf(denied).approvalRequest ?? '') : '';
    const pending = requestId ? await pendingRequest(ctx, requestId) : undefined;
    if (!pending) {
      return {
        ok: false,
        done: [`wrote ${tag.name} = ${value} from ${writerSource} (${writer.id})`],
        expected: 'refused and an approval request pending',
        observed: `${describeAnswer(first.answer)}; PLC ${first.before} -> ${first.after}; denied ${denied ? `${denied.seq} (${String(bodyOf(denied).code)})` : 'none'}; no pending request`,
        receipts: denied ? [denied.seq] : [],
      };
    }
    const self = await approve(ctx, pending, writer.id, tag.approvals.roles[0] as string, readPrivateKeyFile(ctx.actorKeyPath(writer.id)).signer, 'approving my own request');
    const second = await writeObserved(ctx, tag, value, writerSource);
    const stillPending = await pendingRequest(ctx, requestId);
    const ok2 = await approve(ctx, pending, operator.name, operator.role, operator.signer, reason);
    const third = await writeObserved(ctx, tag, value, writerSource);
    const rs = receiptsOfWrite(await ctx.receiptsAfter(first.seqBefore, (xs) => receiptsOfWrite(xs, writer.id, tag.name).some(isOutcome)), writer.id, tag.name);
    const intent = rs.find((r) => r.kind === 'intent');
    const outcome = rs.find((r) => isOutcome(r) && bodyOf(r).intent === intent?.seq);
    const approvers = intent ? (bodyOf(intent).approvals as string[] | undefined) ?? [] : [];
    if (intent) ctx.shared.set('approval', { intent: intent.seq, reason, approver: operator.name });
    const heldBack = !first.answer.ok && same(first.before, first.after) && !second.answer.ok && same(second.before, second.after);
    return {
      ok: heldBack && self.ok !== true && self.code === 'self_approval' && stillPending?.status === 'pending' && ok2.ok === true && third.answer.ok && same(third.after, value) && outcome?.kind === 'committed' && approvers.includes(operator.name) && !approvers.includes(writer.id),
      done: [
        `wrote ${tag.name} = ${value} from ${writerSource} (${writer.id}); ${tag.name} needs ${tag.approvals.count} approval(s) by ${tag.approvals.roles.join('|')}`,
        `signed an approval of request ${requestId} with ${writer.id}'s own key and sent it to governance`,
        'wrote again before any valid approval',
        `${operator.name} approved request ${requestId} with their approver key (meaning "approved", reason "${reason}")`,
        'wrote again after the approval',
      ],
      expected: 'refused twice with the PLC untouched while pending; the requester\'s approval refused self_approval; the operator\'s approval accepted; the retry committed with an intent whose TAO carries only the second person\'s approval',
      observed: `1st ${describeAnswer(first.answer)} (PLC ${first.before} -> ${first.after}); self-approval ${self.ok === true ? 'ACCEPTED' : `refused ${String(self.code)}`}; 2nd ${describeAnswer(second.answer)} (PLC ${second.before} -> ${second.after}), request ${stillPending?.status ?? 'gone'}; approval by ${operator.name} ${ok2.ok === true ? `accepted (${String(ok2.have)}/${String(ok2.need)})` : `refused ${String(ok2.code)}`}; 3rd ${describeAnswer(third.answer)} (PLC ${third.before} -> ${third.after}); intent ${intent?.seq ?? '-'} approvals [${approvers.join(', ')}], outcome ${outcome ? `${outcome.kind} ${outcome.seq}` : '-'}`,
      receipts: rs.map((r) => r.seq),
      evidence: { tag: tag.name, value, request: requestId, selfApproval: String(self.code ?? 'accepted'), approver: operator.name },
    };
  },
};
