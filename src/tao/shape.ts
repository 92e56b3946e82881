/**
 * Strict shape of a TAO payload and of the approvals inside it. Exactly the
 * documented fields (docs/tao.md), bounded sizes; the first problem found is
 * reported as Refusal('bad_envelope') naming the field.
 */
import type { ActorKind } from '../policy/types.js';
import type { Approval, TaoPayload, TaoScope } from './payload-types.js';
import { Refusal } from '../refusal/codes.js';
import { array, BASE64, HEX32, HEX64, integer, name, object, oneOf, optional, ShapeError, string, type Fields } from './strict.js';

export const MAX_REASON_CHARS = 256;
export const MAX_VALUE_CHARS = 1024;
export const MAX_ARGS = 32;
export const MAX_APPROVALS = 16;
const KINDS: readonly ActorKind[] = ['human', 'ai', 'pipeline', 'service'];

const PAYLOAD_FIELDS = ['v', 'typ', 'jti', 'iss', 'kid', 'aud', 'sub', 'kind', 'role', 'scope', 'reason', 'iat', 'nbf', 'exp', 'policy', 'approvals'];
const APPROVAL_FIELDS = ['approver', 'role', 'keyid', 'request', 'digest', 'decision', 'meaning', 'reason', 'ts', 'sig'];

export function validatePayloadShape(x: unknown): TaoPayload {
  return asBadEnvelope(() => readPayload(x));
}

/** An approval's shape; throws Refusal('bad_envelope') naming the field. */
export function validateApprovalShape(x: unknown, path = 'approval'): Approval {
  return asBadEnvelope(() => readApproval(x, path));
}

function asBadEnvelope<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ShapeError) throw new Refusal('bad_envelope', err.message, { cause: err });
    throw new Refusal('bad_envelope', `payload unreadable (${err instanceof Error ? err.name : typeof err})`, { cause: err });
  }
}

function readPayload(x: unknown): TaoPayload {
  const o = object(x, 'payload', PAYLOAD_FIELDS, ['request']);
  if (o.v !== 1) throw new ShapeError('payload.v', 'must be 1');
  if (o.typ !== 'tao') throw new ShapeError('payload.typ', 'must be "tao"');
  const iat = integer(o.iat, 'payload.iat');
  const nbf = integer(o.nbf, 'payload.nbf');
  const exp = integer(o.exp, 'payload.exp');
  if (exp <= nbf) throw new ShapeError('payload.exp', `must be after nbf (${nbf}), got ${exp}`);
  if (exp <= iat) throw new ShapeError('payload.exp', `must be after iat (${iat}), got ${exp}`);
  const request = optional(o, 'request', (r) => name(r, 'payload.request'));
  return {
    v: 1,
    typ: 'tao',
    jti: string(o.jti, 'payload.jti', HEX32),
    iss: name(o.iss, 'payload.iss'),
    kid: string(o.kid, 'payload.kid', HEX32),
    aud: name(o.aud, 'payload.aud'),
    sub: name(o.sub, 'payload.sub'),
    kind: oneOf(o.kind, 'payload.kind', KINDS),
    role: name(o.role, 'payload.role'),
    scope: readScope(o.scope),
    reason: string(o.reason, 'payload.reason', { min: 0, max: MAX_REASON_CHARS }),
    iat,
    nbf,
    exp,
    policy: string(o.policy, 'payload.policy', HEX64),
    approvals: array(o.approvals, 'payload.approvals', MAX_APPROVALS, readApproval),
    ...(request !== undefined ? { request } : {}),
  };
}

function readScope(x: unknown): TaoScope {
  const o: Fields = object(x, 'payload.scope', ['op', 'target', 'value'], ['args', 'expect']);
  const args = optional(o, 'args', (a) => array(a, 'payload.scope.args', MAX_ARGS, (v, p) => value(v, p)));
  const expect = optional(o, 'expect', (e) => value(e, 'payload.scope.expect'));
  return {
    op: oneOf(o.op, 'payload.scope.op', ['write', 'call'] as const),
    target: string(o.target, 'payload.scope.target', { max: 256 }),
    value: value(o.value, 'payload.scope.value'),
    ...(args !== undefined ? { args } : {}),
    ...(expect !== undefined ? { expect } : {}),
  };
}

function value(x: unknown, path: string): string {
  return string(x, path, { min: 0, max: MAX_VALUE_CHARS });
}

function readApproval(x: unknown, path: string): Approval {
  const o = object(x, path, APPROVAL_FIELDS);
  return {
    approver: name(o.approver, `${path}.approver`),
    role: name(o.role, `${path}.role`),
    keyid: string(o.keyid, `${path}.keyid`, HEX32),
    request: name(o.request, `${path}.request`),
    digest: string(o.digest, `${path}.digest`, HEX64),
    decision: oneOf(o.decision, `${path}.decision`, ['approve', 'reject'] as const),
    meaning: name(o.meaning, `${path}.meaning`),
    reason: string(o.reason, `${path}.reason`, { min: 0, max: MAX_REASON_CHARS }),
    ts: integer(o.ts, `${path}.ts`),
    sig: string(o.sig, `${path}.sig`, { ...BASE64, max: 88 }),
  };
}
