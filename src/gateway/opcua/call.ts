/**
 * Gated method calls and PresentTAO. The gateway's method nodes are bound
 * to these handlers; node-opcua has already checked the argument count and
 * DataTypes against the method's InputArguments (OPC 10000-4 §5.11.2:
 * BadArgumentsMissing, BadTooManyArguments, BadTypeMismatch) and passes
 * the session context, so the actor is the session's.
 *
 *   call: op 'call', target = method name, args = canonical strings ->
 *         gate.authorize -> forwarded to the PLC only when allowed ->
 *         the PLC's result; refusals answer REFUSAL_CODES[code].opcua
 *   PresentTAO(envelope) -> (jti, code): stages the TAO for the session's
 *         actor (the TAO's subject must be that actor)
 */
import { randomUUID } from 'node:crypto';
import type { CallMethodResultOptions, ISessionContext, NodeId, StatusCode, Variant } from 'node-opcua';
import { nodeOpcua } from '../../devices/opcua/node-opcua.js';
import type { MethodPolicy } from '../../policy/types.js';
import type { Gate } from '../gate/gate.js';
import type { GateLogger } from '../gate/ports.js';
import { settleTicket, type PlcOutcome } from '../gate/ticket.js';
import type { WriteRequest, WriteTicket } from '../gate/types.js';
import type { AuditEvents } from './audit.js';
import { sessionSource, type ActorDirectory } from './identity.js';
import { PlcUnavailable, type OpcuaPlcSession } from '../../devices/opcua/index.js';
import { PLC_UNREACHABLE, statusForRefusal } from './status.js';
import { canonicalOf } from './variants.js';

const { DataType, StatusCodes } = nodeOpcua;

export interface CallDeps {
  readonly gate: Gate;
  readonly actors: ActorDirectory;
  readonly links: ReadonlyMap<string, OpcuaPlcSession>;
  readonly audit: AuditEvents;
  readonly log: GateLogger;
  /** The gateway NodeId of a method (the audit's SourceNode and MethodId). */
  methodNode(method: MethodPolicy): NodeId;
  track(p: Promise<void>): void;
}

export async function gatedCall(deps: CallDeps, method: MethodPolicy, inputArguments: Variant[], context: ISessionContext): Promise<CallMethodResultOptions> {
  const actor = deps.actors.actorOf(context);
  const base = { id: randomUUID(), protocol: 'opcua' as const, source: sessionSource(context), actor, op: 'call' as const, target: method.name, value: '' };
  const node = deps.methodNode(method);
  const audit = (entryId: string, status: boolean, message: string) =>
    deps.audit.call({ entryId, actor, status, message, sourceNode: node, sourceName: method.name, methodId: node, inputArguments });

  const args: string[] = [];
  for (const [i, spec] of method.args.entries()) {
    const c = canonicalOf(spec.type, inputArguments[i]);
    if (!c.ok) {
      const r = await deps.gate.refuse({ ...base, args: inputArguments.map((v) => String(v.value)) }, 'type_mismatch', `${method.name} argument ${spec.name}: ${c.reason}`);
      audit(r.receiptSeq === undefined ? '' : `denied:${r.receiptSeq}`, false, `refused type_mismatch: ${r.reason}`);
      return { statusCode: StatusCodes.BadTypeMismatch };
    }
    args.push(c.value);
  }
  const request: WriteRequest = { ...base, args };
  const link = deps.links.get(method.device);
  if (!link?.isUp()) {
    const r = await deps.gate.refuse(request, 'plc_unavailable', `PLC ${method.device} is down: ${link ? link.health().detail : 'no PLC link'}`);
    audit(r.receiptSeq === undefined ? '' : `denied:${r.receiptSeq}`, false, `refused plc_unavailable: ${r.reason}`);
    return { statusCode: statusForRefusal('plc_unavailable') };
  }
  const verdict = await deps.gate.authorize(request);
  if (!verdict.allowed) {
    audit(verdict.receiptSeq === undefined ? '' : `denied:${verdict.receiptSeq}`, false, `refused ${verdict.code}: ${verdict.reason}`);
    return { statusCode: statusForRefusal(verdict.code) };
  }

  const { ticket } = verdict;
  let status: StatusCode;
  let result: CallMethodResultOptions;
  try {
    const plc = await link.call(method.opcua.objectId, method.opcua.methodId, inputArguments);
    status = plc.statusCode;
    result = { statusCode: status, outputArguments: plc.outputArguments ?? [] };
    deps.track(settle(deps, ticket, status.isGood() ? { kind: 'applied' } : { kind: 'rejected', reason: `PLC answered ${status.name}` }));
  } catch (err) {
    status = PLC_UNREACHABLE;
    result = { statusCode: status };
    deps.track(settle(deps, ticket, { kind: err instanceof PlcUnavailable && err.sent ? 'unknown' : 'not_sent', reason: `PLC did not answer: ${(err as Error).message}` }));
  }
  audit(ticket.jti, status.isGood(), status.isGood() ? `${method.name}(${args.join(', ')}) authorized by TAO ${ticket.jti}` : `authorized by TAO ${ticket.jti}, PLC answered ${status.name}`);
  return result;
}

function settle(deps: CallDeps, ticket: WriteTicket, plc: PlcOutcome): Promise<void> {
  return settleTicket(ticket, { plc }, deps.log);
}

export interface PresentDeps {
  readonly gate: Gate;
  readonly actors: ActorDirectory;
}

export async function presentTao(deps: PresentDeps, envelope: string, context: ISessionContext): Promise<CallMethodResultOptions> {
  const actor = deps.actors.actorOf(context);
  const result = await deps.gate.present(envelope, `opcua:${sessionSource(context)}`, { actor });
  const out = (jti: string, code: string) => [
    { dataType: DataType.String, value: jti },
    { dataType: DataType.String, value: code },
  ];
  if (result.ok) return { statusCode: StatusCodes.Good, outputArguments: out(result.jti, '') };
  return { statusCode: statusForRefusal(result.code), outputArguments: out('', result.code) };
}
