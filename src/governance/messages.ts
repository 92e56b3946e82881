/** Shapes of the untrusted request bodies governance accepts (validated, never trusted). */
import type { Proposal } from '../policy/types.js';


/** Validates an untrusted proposal; returns a reason string when malformed. */
export function parseProposal(x: unknown): Proposal | string {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'proposal must be an object';
  const p = x as Record<string, unknown>;
  if (typeof p.actor !== 'string' || p.actor.length === 0 || p.actor.length > 128) return 'proposal.actor must be a non-empty string';
  if (p.op !== 'write' && p.op !== 'call') return "proposal.op must be 'write' or 'call'";
  if (typeof p.target !== 'string' || p.target.length === 0 || p.target.length > 256) return 'proposal.target must be a non-empty string';
  if (typeof p.value !== 'string' || p.value.length > 1024) return 'proposal.value must be a string';
  if (p.args !== undefined && (!Array.isArray(p.args) || p.args.length > 32 || !p.args.every((a) => typeof a === 'string' && a.length <= 1024))) return 'proposal.args must be an array of strings';
  if (p.current !== undefined && typeof p.current !== 'string') return 'proposal.current must be a string';
  if (p.expect !== undefined && (typeof p.expect !== 'string' || p.expect.length > 1024)) return 'proposal.expect must be a string';
  if (p.reason !== undefined && (typeof p.reason !== 'string' || p.reason.length > 256)) return 'proposal.reason must be a string of at most 256 characters';
  return {
    actor: p.actor,
    op: p.op,
    target: p.target,
    value: p.value,
    ...(p.args !== undefined ? { args: p.args as string[] } : {}),
    ...(p.current !== undefined ? { current: p.current as string } : {}),
    ...(p.expect !== undefined ? { expect: p.expect as string } : {}),
    ...(p.reason !== undefined ? { reason: p.reason as string } : {}),
  };
}
