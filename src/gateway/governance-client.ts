/**
 * The gate's GovernancePort over MQTT: signs each inline proposal with the
 * gateway key, sends it with a deadline, validates the untrusted answer.
 * A decision that arrives after the deadline is discarded by the Requester.
 */
import type { Signer } from '../crypto/ed25519.js';
import { NotConnectedError, RequestTimeoutError, topics, type Requester } from '../mqtt/index.js';
import type { Proposal } from '../policy/types.js';
import { isRefusalCode } from '../refusal/codes.js';
import { MESSAGE_TYPES, signMessage } from '../tao/signed.js';
import type { Envelope } from '../tao/envelope.js';
import { GovernanceUnavailable, type GovernanceDecision, type GovernancePort } from './gate/ports.js';

export class MqttGovernanceClient implements GovernancePort {
  constructor(
    private readonly requester: Requester,
    private readonly gatewayId: string,
    private readonly signer: Signer,
  ) {}

  async propose(proposal: Proposal, deadlineMs: number, requestId?: string): Promise<GovernanceDecision> {
    // req: the correlation id of the write (signed with the proposal), logged by governance next to the TAO id or denial code
    const signed = signMessage(MESSAGE_TYPES.propose, { gateway: this.gatewayId, proposal: { ...proposal } as never, ...(requestId ? { req: requestId.slice(0, 64) } : {}) }, this.signer);
    let answer: unknown;
    try {
      // QoS 0: a proposal lives only until its deadline and a lost one is refused (fail closed).
      answer = await this.requester.request(topics.propose(this.gatewayId), signed, deadlineMs, { qos: 0 });
    } catch (err) {
      if (err instanceof RequestTimeoutError) throw new GovernanceUnavailable('governance_timeout', `governance did not answer within ${deadlineMs} ms`);
      if (err instanceof NotConnectedError) throw new GovernanceUnavailable('governance_unavailable', 'not connected to the broker');
      throw new GovernanceUnavailable('governance_unavailable', (err as Error).message);
    }
    return parseDecision(answer);
  }
}

/** Validates governance's answer; anything unexpected is a coded denial, never trusted. */
export function parseDecision(x: unknown): GovernanceDecision {
  const d = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
  if (d.decision === 'issue' && typeof d.tao === 'object' && d.tao !== null) return { decision: 'issue', tao: d.tao as Envelope };
  if (d.decision === 'deny' && isRefusalCode(d.code)) return { decision: 'deny', code: d.code, reason: typeof d.reason === 'string' ? d.reason : d.code };
  if (d.decision === 'pending' && typeof d.request === 'string') {
    const a = (d.approvals ?? {}) as { have?: unknown; need?: unknown };
    return { decision: 'pending', request: d.request, approvals: { have: Number(a.have) || 0, need: Number(a.need) || 0 } };
  }
  // Not the client's fault: fail closed as an availability problem, not as a malformed request.
  return { decision: 'deny', code: 'internal_error', reason: 'governance answered something that is not a decision' };
}
