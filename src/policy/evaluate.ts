/**
 * The policy decision for one proposal. PURE: everything it needs comes in
 * as arguments (profile, clock, history), so governance and the gateway get
 * the same answer for the same inputs, and tests need no fakes.
 *
 * Order (each step may end it with a coded denial):
 *   actor known (unknown_actor) -> target known (unknown_tag) ->
 *   writable (not_writable) -> role (role_not_allowed) -> type
 *   (type_mismatch) -> limits (out_of_range) -> step from the current value
 *   (step_too_large, when max_step and current are both known) -> min
 *   interval (rate_limited) -> approvals needed ? pending : issue
 */
import { checkHardLimits, type LimitDecision } from './limits.js';
import type { ActorPolicy, ApprovalRule, MethodPolicy, PolicyDecision, PolicyHistory, Profile, Proposal, TagPolicy } from './types.js';
import { parseValue } from './values.js';

export { checkHardLimits } from './limits.js';

export function evaluate(proposal: Proposal, profile: Profile, nowMs: number, history: PolicyHistory): PolicyDecision {
  const actor = profile.actors.get(proposal.actor);
  if (!actor) return deny('unknown_actor', `actor '${proposal.actor}' is not in profile ${profile.gateway.id}`);

  if (proposal.op === 'call') {
    const method = profile.methods.get(proposal.target);
    if (!method) return deny('unknown_tag', `method '${proposal.target}' is not in profile ${profile.gateway.id}`);
    return decide(actor, proposal.target, 'call', method.callRoles, () => checkArgs(method, proposal.args ?? []), method, nowMs, history);
  }
  const tag = profile.tags.get(proposal.target);
  if (!tag) return deny('unknown_tag', `tag '${proposal.target}' is not in profile ${profile.gateway.id}`);
  return decide(actor, proposal.target, 'write', tag.writeRoles, () => checkHardLimits(tag, proposal.value, proposal.current), tag, nowMs, history);
}

function decide(
  actor: ActorPolicy,
  target: string,
  verb: 'write' | 'call',
  roles: readonly string[],
  limits: () => LimitDecision,
  rule: Pick<TagPolicy | MethodPolicy, 'minIntervalMs' | 'approvals'>,
  nowMs: number,
  history: PolicyHistory,
): PolicyDecision {
  if (roles.length === 0) {
    return deny('not_writable', verb === 'write' ? `${target} is read-only` : `${target} may not be called by anyone`);
  }
  if (!roles.includes(actor.role)) {
    return deny('role_not_allowed', `${actor.id} (role ${actor.role}) may not ${verb} ${target}; allowed roles: ${roles.join(', ')}`);
  }
  const limited = limits();
  if (limited.decision === 'deny') return limited;
  if (rule.minIntervalMs > 0) {
    const last = history.lastIssuedAt(target);
    if (last !== undefined && nowMs - last < rule.minIntervalMs) {
      return deny('rate_limited', `${target} was authorized ${nowMs - last} ms ago; the minimum interval is ${rule.minIntervalMs} ms`);
    }
  }
  return needsApproval(rule.approvals) ? { decision: 'pending', approvals: rule.approvals } : { decision: 'issue' };
}

function checkArgs(method: MethodPolicy, args: readonly string[]): LimitDecision {
  if (args.length !== method.args.length) {
    return deny('type_mismatch', `${method.name} takes ${method.args.length} argument(s) (${method.args.map((a) => a.name).join(', ') || 'none'}), got ${args.length}`);
  }
  for (const [i, spec] of method.args.entries()) {
    const parsed = parseValue(spec.type, args[i]!);
    if (!parsed.ok) return deny('type_mismatch', `${method.name} argument ${spec.name} = '${args[i]}' is not a valid ${spec.type}: ${parsed.reason}`);
  }
  return { decision: 'issue' };
}

function needsApproval(rule: ApprovalRule): boolean {
  return rule.count > 0;
}

function deny<C extends Extract<PolicyDecision, { decision: 'deny' }>['code']>(code: C, reason: string): Extract<PolicyDecision, { decision: 'deny' }> {
  return { decision: 'deny', code, reason };
}

/** The approval rule of a tag (op write) or method (op call), or undefined when the profile has no such target. */
export function approvalRuleOf(profile: Profile, op: 'write' | 'call', target: string): ApprovalRule | undefined {
  return (op === 'write' ? profile.tags.get(target) : profile.methods.get(target))?.approvals;
}
