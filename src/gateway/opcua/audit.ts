/**
 * OPC UA audit events for gated writes and calls (OPC 10000-5 §6.4.27
 * AuditWriteUpdateEventType, §6.4.28 AuditUpdateMethodEventType), raised on
 * the Server object (the notifier every A&E client subscribes to):
 *
 *   ClientAuditEntryId  the TAO's jti when one authorized the action,
 *                       else "denied:<receipt seq>" (or "" without a receipt)
 *   ClientUserId        the profile actor ("" for anonymous sessions)
 *   Status              true only when the gate allowed it AND the PLC applied it
 *   SourceNode/Name     the gateway node written or called
 *   Message             what happened, with the refusal code or PLC status
 */
import type { IAddressSpace, NodeId, UAEventType } from 'node-opcua';
import type * as NodeOpcua from 'node-opcua';
import { nodeOpcua } from '../../devices/opcua/node-opcua.js';

const { AttributeIds, DataType, Variant, VariantArrayType } = nodeOpcua;
type Variant = NodeOpcua.Variant;

export interface AuditCommon {
  readonly entryId: string;
  readonly actor: string | null;
  readonly status: boolean;
  readonly sourceNode: NodeId;
  readonly sourceName: string;
  readonly message: string;
}

export class AuditEvents {
  private readonly writeType: UAEventType;
  private readonly methodType: UAEventType;

  constructor(private readonly addressSpace: IAddressSpace) {
    const w = addressSpace.findEventType('AuditWriteUpdateEventType');
    const m = addressSpace.findEventType('AuditUpdateMethodEventType');
    if (!w || !m) throw new Error('opcua front: the standard audit event types are missing from the address space');
    this.writeType = w;
    this.methodType = m;
  }

  write(e: AuditCommon & { oldValue: Variant | undefined; newValue: Variant }): void {
    this.raise(this.writeType, e, {
      attributeId: { dataType: DataType.UInt32, value: AttributeIds.Value },
      indexRange: { dataType: DataType.String, value: '' },
      oldValue: e.oldValue ?? new Variant({ dataType: DataType.Null }),
      newValue: e.newValue,
    });
  }

  call(e: AuditCommon & { methodId: NodeId; inputArguments: Variant[] }): void {
    this.raise(this.methodType, e, {
      methodId: { dataType: DataType.NodeId, value: e.methodId },
      inputArguments: { dataType: DataType.Variant, arrayType: VariantArrayType.Array, value: e.inputArguments },
    });
  }

  private raise(type: UAEventType, e: AuditCommon, extra: Record<string, unknown>): void {
    const server = this.addressSpace.rootFolder.objects.server;
    server.raiseEvent(type, {
      sourceNode: { dataType: DataType.NodeId, value: e.sourceNode },
      sourceName: { dataType: DataType.String, value: e.sourceName },
      message: { dataType: DataType.LocalizedText, value: { text: e.message } },
      severity: { dataType: DataType.UInt16, value: e.status ? 100 : 500 },
      actionTimeStamp: { dataType: DataType.DateTime, value: new Date() },
      status: { dataType: DataType.Boolean, value: e.status },
      serverId: { dataType: DataType.String, value: '' },
      clientAuditEntryId: { dataType: DataType.String, value: e.entryId },
      clientUserId: { dataType: DataType.String, value: e.actor ?? '' },
      ...(extra as Record<string, never>),
    });
  }
}
