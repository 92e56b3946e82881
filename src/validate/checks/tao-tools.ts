/** Getting, altering and presenting pre-issued TAOs for the OQ checks. */
import { readPrivateKeyFile } from '../../crypto/keyfile.js';
import { generateRawKeyPair, Signer } from '../../crypto/ed25519.js';
import type { Receipt } from '../../ledger/index.js';
import { signEnvelope, TAO_PAYLOAD_TYPE, type Envelope } from '../../tao/envelope.js';
import { issueTao, newJti, type TaoPayload } from '../../tao/payload.js';
import { MESSAGE_TYPES, signMessage } from '../../tao/signed.js';
import type { Answer } from '../broker.js';
import type { ValidateContext } from '../context.js';
import { NotRun } from '../types.js';
import { bodyOf } from './act.js';

/** Asks governance for a TAO as `actor` (request signed with the actor's key). */
export async function requestTao(ctx: ValidateContext, actor: string, target: string, value: string, reason: string, aud?: string): Promise<Answer> {
  const key = readPrivateKeyFile(ctx.actorKeyPath(actor));
  const proposal = { actor, op: 'write', target, value, reason };
  const signed = signMessage(MESSAGE_TYPES.taoRequest, { proposal, ...(aud ? { aud } : {}) }, key.signer);
  return (await ctx.broker()).governance({ type: 'tao.request', signed });
}

/** A TAO governance issues now, or NotRun saying why it did not. */
export async function issuedTao(ctx: ValidateContext, actor: string, target: string, value: string, reason: string): Promise<Envelope> {
  const answer = await requestTao(ctx, actor, target, value, reason);
  if (answer.decision !== 'issue') throw new NotRun(`governance did not issue a TAO for ${actor} ${target}=${value}: ${JSON.stringify(answer).slice(0, 200)}`);
  return answer.tao as Envelope;
}

export function payloadOf(envelope: Envelope): TaoPayload {
  return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as TaoPayload;
}

/** Stages a TAO at the gateway over MQTT. */
export async function present(ctx: ValidateContext, envelope: unknown): Promise<Answer> {
  return (await ctx.broker()).stage(ctx.gatewayId, envelope);
}

/** The same envelope with one character of the signed payload changed (the value), signature kept. */
export function alteredPayload(envelope: Envelope): Envelope {
  const text = Buffer.from(envelope.payload, 'base64').toString('utf8');
  const p = JSON.parse(text) as TaoPayload;
  const changed = text.replace(`"value":"${p.scope.value}"`, `"value":"${p.scope.value === '1' ? '2' : '1'}"`);
  return { ...envelope, payload: Buffer.from(changed, 'utf8').toString('base64') };
}

/** The same payload signed by a fresh key that no trust store holds. */
export function untrustedSigned(envelope: Envelope): Envelope {
  const signer = new Signer(generateRawKeyPair());
  return signEnvelope(TAO_PAYLOAD_TYPE, { ...payloadOf(envelope), jti: newJti(), kid: signer.keyId }, signer);
}

/**
 * A test TAO signed with the installation's governance key, when this host
 * holds it (a demo or a test cell): `change` makes it expired or for another
 * gateway, so it can never authorize anything.
 */
export function governanceSigned(ctx: ValidateContext, envelope: Envelope, change: (p: TaoPayload) => TaoPayload): Envelope | undefined {
  const path = ctx.governanceKeyPath();
  if (!path) return undefined;
  const signer = readPrivateKeyFile(path).signer;
  return issueTao(change({ ...payloadOf(envelope), jti: newJti() }), signer);
}

/** Denied receipts of presentations this process made after a seq. */
export function presentDenials(rs: readonly Receipt[]): Receipt[] {
  return rs.filter((r) => r.kind === 'denied' && bodyOf(r).op === 'present' && String(bodyOf(r).source ?? '').endsWith(`validate:${process.pid}`));
}

export function answerText(a: Answer): string {
  return a.ok === true ? `staged (jti ${String(a.jti)})` : `refused ${String(a.code)}: ${String(a.reason ?? '')}`;
}
