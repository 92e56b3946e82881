/** What the CLI sends, done in-process for tests: pre-issued TAO requests, approvals, staging. */
import { readPrivateKeyFile } from '../../src/crypto/keyfile.js';
import { keyPaths } from '../../src/cli/paths.js';
import { topics } from '../../src/mqtt/index.js';
import { proposalDigest, signApproval } from '../../src/tao/approval.js';
import { MESSAGE_TYPES, signMessage } from '../../src/tao/signed.js';
import type { Cell } from './cell.js';
import type { RequestView } from '../../src/governance/views.js';

export type Answer = Record<string, unknown>;

export async function requestTao(cell: Cell, actor: string, target: string, value: string, opts: { reason?: string; signAs?: string; expect?: string } = {}): Promise<Answer> {
  const key = readPrivateKeyFile(keyPaths(cell.keysDir).actor(opts.signAs ?? actor));
  const signed = signMessage(MESSAGE_TYPES.taoRequest, { proposal: { actor, op: 'write', target, value, ...(opts.reason ? { reason: opts.reason } : {}), ...(opts.expect !== undefined ? { expect: opts.expect } : {}) } }, key.signer);
  const op = await cell.operator();
  try {
    return (await op.decisions.request(topics.govRequest, { type: 'tao.request', signed }, 3000)) as Answer;
  } finally {
    await op.close();
  }
}

export async function present(cell: Cell, envelope: unknown): Promise<Answer> {
  const op = await cell.operator();
  try {
    return (await op.replies.request(topics.stage(cell.profile.gateway.id), { tao: envelope, source: 'test' }, 3000)) as Answer;
  } finally {
    await op.close();
  }
}

export async function pendingRequests(cell: Cell): Promise<RequestView[]> {
  const op = await cell.operator();
  try {
    const answer = (await op.decisions.request(topics.govRequest, { type: 'approvals.list' }, 3000)) as { requests: RequestView[] };
    return answer.requests;
  } finally {
    await op.close();
  }
}

/** Signs an approval of request `id` with `as`'s approver key (or, for `actorKey`, that actor's key). */
export async function approve(cell: Cell, id: string, as: string, opts: { decision?: 'approve' | 'reject'; actorKey?: boolean; reason?: string } = {}): Promise<Answer> {
  const kp = keyPaths(cell.keysDir);
  const key = readPrivateKeyFile(opts.actorKey ? kp.actor(as) : kp.approver(as));
  const request = (await pendingRequests(cell)).find((r) => r.id === id);
  if (!request) return { ok: false, code: 'unknown_request', reason: `no pending request ${id}` };
  const digest = proposalDigest({ aud: request.aud, sub: request.actor, op: request.op, target: request.target, value: request.value, args: request.args });
  const approval = signApproval(
    { typ: 'taogate.approval.v1', approver: as, role: cell.profile.approvers.get(as)?.role ?? 'none', request: id, digest, decision: opts.decision ?? 'approve', meaning: 'approved', reason: opts.reason ?? 'checked on the P&ID', ts: Math.floor(Date.now() / 1000) },
    key.signer,
  );
  const op = await cell.operator();
  try {
    return (await op.decisions.request(topics.govRequest, { type: 'approve', approval }, 3000)) as Answer;
  } finally {
    await op.close();
  }
}
