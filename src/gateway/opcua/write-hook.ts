/**
 * The gated Write service. Replaces the server engine's write(context,
 * nodesToWrite) after initialize() (docs/opcua.md: never gate in setters, a
 * denied value would still be stored and published). Per WriteValue (OPC
 * 10000-4 §5.10.4, one result per node, in order):
 *
 *   not a gated tag              BadNodeIdUnknown / BadNotWritable, nothing forwarded
 *   not the Value attribute,
 *   or an index range            BadNotWritable / BadWriteNotSupported
 *   wrong DataType               BadTypeMismatch (denied receipt, type_mismatch)
 *   the tag's PLC link is down   BadCommunicationError (denied receipt, plc_unavailable)
 *   gate refuses                 REFUSAL_CODES[code].opcua (denied receipt)
 *   gate allows                  forwarded to the PLC in one Write per device;
 *                                the PLC's own status per node is answered
 *
 * All nodes of one request are authorized concurrently, so a request
 * answers within one governance deadline. The variables are never written
 * here: the mirror shows what the PLC reports through its subscription.
 */
import { randomUUID } from 'node:crypto';
import type { DataValue, ISessionContext, NodeId, StatusCode, Variant, WriteValue } from 'node-opcua';
import { nodeOpcua } from '../../devices/opcua/node-opcua.js';
import type { TagPolicy } from '../../policy/types.js';
import { valuesEqual } from '../../policy/values.js';
import type { Gate } from '../gate/gate.js';
import type { GateLogger } from '../gate/ports.js';
import { settleTicket, type PlcOutcome } from '../gate/ticket.js';
import type { Verdict, WriteRequest, WriteTicket } from '../gate/types.js';
import type { AuditEvents } from './audit.js';
import { sessionSource, type ActorDirectory } from './identity.js';
import { PlcUnavailable, type OpcuaPlcSession } from '../../devices/opcua/index.js';
import { PLC_UNREACHABLE, statusForRefusal } from './status.js';
import { canonicalFromPlc, canonicalOf, variantOf } from './variants.js';

const { AttributeIds, StatusCodes } = nodeOpcua;

export interface WriteHookDeps {
  readonly gate: Gate;
  readonly actors: ActorDirectory;
  readonly tagsByNodeId: ReadonlyMap<string, TagPolicy>;
  readonly links: ReadonlyMap<string, OpcuaPlcSession>;
  readonly audit: AuditEvents;
  readonly log: GateLogger;
  /** Does the node exist at all (BadNodeIdUnknown otherwise). */
  nodeExists(nodeId: WriteValue['nodeId']): boolean;
  /** The gateway NodeId of a tag (the audit's SourceNode). */
  nodeOf(tag: TagPolicy): NodeId;
  /** The mirrored value of a tag (the audit's OldValue). */
  mirrored(tag: TagPolicy): Variant | undefined;
  /**
   * After a Good write: read the node back from the PLC and mirror that
   * DataValue (the PLC's own value, status and source timestamp), so a client
   * that reads right after its write sees what the PLC holds, not a value the
   * subscription has not delivered yet. Returns that DataValue: the
   * read-back receipt of a tag with `readback` uses it (one PLC read, not two).
   */
  refreshFromPlc(tag: TagPolicy): Promise<DataValue | undefined>;
  /** Canonical PLC value for the read-back receipt. */
  readCurrent(tag: string): Promise<string | undefined>;
  /** Keeps an outcome receipt promise alive until close(). */
  track(p: Promise<void>): void;
}

interface Gated {
  readonly index: number;
  readonly tag: TagPolicy;
  readonly request: WriteRequest;
  readonly variant: Variant;
  readonly oldValue: Variant | undefined;
  verdict?: Verdict;
}

export type EngineWrite = (context: ISessionContext, nodesToWrite: WriteValue[]) => Promise<StatusCode[]>;

export function gatedWrite(deps: WriteHookDeps): EngineWrite {
  return async (context, nodesToWrite) => {
    const results: StatusCode[] = nodesToWrite.map(() => StatusCodes.BadInternalError);
    const actor = deps.actors.actorOf(context);
    const source = sessionSource(context);
    const gated: Gated[] = [];
    const refusals: Promise<void>[] = [];

    nodesToWrite.forEach((wv, index) => {
      const tag = deps.tagsByNodeId.get(wv.nodeId.toString());
      if (!tag) {
        results[index] = deps.nodeExists(wv.nodeId) ? StatusCodes.BadNotWritable : StatusCodes.BadNodeIdUnknown;
        return;
      }
      if (wv.attributeId !== AttributeIds.Value) {
        results[index] = StatusCodes.BadNotWritable;
        return;
      }
      if (wv.indexRange && !wv.indexRange.isEmpty()) {
        results[index] = StatusCodes.BadWriteNotSupported;
        return;
      }
      const variant = wv.value?.value ?? undefined;
      const canonical = canonicalOf(tag.type, variant);
      const base = { id: randomUUID(), protocol: 'opcua' as const, source, actor, op: 'write' as const, target: tag.name };
      const oldValue = deps.mirrored(tag);
      if (!canonical.ok) {
        results[index] = StatusCodes.BadTypeMismatch;
        refusals.push(
          deps.gate.refuse({ ...base, value: canonical.shown }, 'type_mismatch', `${tag.name} is ${tag.type}: ${canonical.reason}`).then((r) => {
            if (variant) deps.audit.write({ ...auditBase(tag, deps, actor), entryId: denied(r.receiptSeq), status: false, message: `refused type_mismatch: ${r.reason}`, oldValue, newValue: variant });
          }),
        );
        return;
      }
      const link = deps.links.get(tag.device);
      if (!link?.isUp()) {
        const why = link ? link.health().detail : `no PLC link for device ${tag.device}`;
        results[index] = statusForRefusal('plc_unavailable');
        refusals.push(
          deps.gate.refuse({ ...base, value: canonical.value }, 'plc_unavailable', `PLC ${tag.device} is down: ${why}`).then((r) => {
            deps.audit.write({ ...auditBase(tag, deps, actor), entryId: denied(r.receiptSeq), status: false, message: `refused plc_unavailable: ${r.reason}`, oldValue, newValue: variantOf(tag.type, canonical.value) });
          }),
        );
        return;
      }
      gated.push({ index, tag, request: { ...base, value: canonical.value }, variant: variantOf(tag.type, canonical.value), oldValue });
    });

    await Promise.all([
      ...refusals,
      ...gated.map(async (g) => {
        g.verdict = await deps.gate.authorize(g.request);
      }),
    ]);

    const byDevice = new Map<string, (Gated & { ticket: WriteTicket })[]>();
    for (const g of gated) {
      const v = g.verdict!;
      if (!v.allowed) {
        results[g.index] = statusForRefusal(v.code);
        deps.audit.write({ ...auditBase(g.tag, deps, actor), entryId: denied(v.receiptSeq), status: false, message: `refused ${v.code}: ${v.reason}`, oldValue: g.oldValue, newValue: g.variant });
        continue;
      }
      const list = byDevice.get(g.tag.device) ?? [];
      list.push({ ...g, ticket: v.ticket });
      byDevice.set(g.tag.device, list);
    }

    await Promise.all([...byDevice].map(([device, list]) => forward(deps, device, list, results, actor)));
    return results;
  };
}

async function forward(deps: WriteHookDeps, device: string, list: (Gated & { ticket: WriteTicket })[], results: StatusCode[], actor: string | null): Promise<void> {
  let statuses: StatusCode[];
  let failure: { reason: string; sent: boolean } | undefined;
  try {
    const link = deps.links.get(device);
    if (!link) throw new Error(`no PLC link for device ${device}`);
    statuses = await link.write(list.map((g) => ({ nodeId: g.tag.opcua!.nodeId, value: g.variant })));
  } catch (err) {
    failure = { reason: `PLC did not answer: ${(err as Error).message}`, sent: err instanceof PlcUnavailable && err.sent };
    statuses = list.map(() => PLC_UNREACHABLE);
  }
  const reads = await Promise.all(list.map((g, i) => (statuses[i]!.isGood() ? deps.refreshFromPlc(g.tag).catch(() => undefined) : undefined)));
  list.forEach((g, i) => {
    const status = statuses[i]!;
    results[g.index] = status;
    const message = status.isGood() ? `${g.tag.name} = ${g.request.value} authorized by TAO ${g.ticket.jti}` : `authorized by TAO ${g.ticket.jti}, PLC answered ${status.name}`;
    deps.audit.write({ ...auditBase(g.tag, deps, actor), entryId: g.ticket.jti, status: status.isGood(), message, oldValue: g.oldValue, newValue: g.variant });
    deps.track(settle(deps, g.tag, g.ticket, status, failure, reads[i]));
  });
}

/** The outcome receipt, after the client has its answer (as the Modbus front does). */
function settle(deps: WriteHookDeps, tag: TagPolicy, ticket: WriteTicket, status: StatusCode, failure: { reason: string; sent: boolean } | undefined, afterWrite: DataValue | undefined): Promise<void> {
  const plc: PlcOutcome =
    failure !== undefined ? { kind: failure.sent ? 'unknown' : 'not_sent', reason: failure.reason } : status.isGood() ? { kind: 'applied' } : { kind: 'rejected', reason: `PLC answered ${status.name}` };
  // The read right after the acknowledged write (for the mirror) is the read-back; read again only without it.
  const readback = async () => (afterWrite?.statusCode.isGood() ? canonicalFromPlc(tag.type, afterWrite.value.value) : deps.readCurrent(tag.name));
  return settleTicket(ticket, { plc, readbackOnAck: tag.readback, readback, valueEquals: (a, b) => valuesEqual(tag.type, a, b) }, deps.log);
}

function auditBase(tag: TagPolicy, deps: WriteHookDeps, actor: string | null) {
  return { actor, sourceName: tag.name, sourceNode: deps.nodeOf(tag) };
}

function denied(seq: number | undefined): string {
  return seq === undefined ? '' : `denied:${seq}`;
}
