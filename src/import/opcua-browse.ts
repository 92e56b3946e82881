/**
 * Walks a PLC's Objects folder (OPC 10000-4 §5.8.2 Browse, following
 * hierarchical references forward) and reads what a profile needs of each
 * Variable (DataType, ValueRank, Description, and the EngineeringUnits and
 * EURange properties of analog items, OPC 10000-8 §5.3.2) and each Method
 * (its InputArguments property). Standard nodes (namespace 0, e.g. the
 * Server object) are left out.
 */
import type { ClientSession, NodeId, ReferenceDescription } from 'node-opcua';
import { nodeOpcua } from '../devices/opcua/node-opcua.js';

const { AttributeIds, BrowseDirection, NodeClass, NodeClassMask } = nodeOpcua;

export interface FoundVariable {
  readonly path: readonly string[];
  readonly nodeId: string;
  readonly dataType: NodeId | undefined;
  readonly valueRank: number;
  readonly description: string;
  readonly writable: boolean;
  readonly units?: string;
  readonly range?: { readonly low: number; readonly high: number };
}

export interface FoundMethod {
  readonly path: readonly string[];
  readonly nodeId: string;
  readonly objectId: string;
  readonly description: string;
  readonly args: readonly { readonly name: string; readonly dataType: NodeId; readonly valueRank: number }[];
}

export interface AddressSpaceScan {
  readonly variables: FoundVariable[];
  readonly methods: FoundMethod[];
  /** Browse names of the top-level objects (under Objects, outside namespace 0). */
  readonly topObjects: string[];
}

const OBJECTS_FOLDER = 'i=85';
const MAX_NODES = 20_000;

async function children(session: ClientSession, nodeId: string | NodeId, referenceTypeId: string, mask: number): Promise<ReferenceDescription[]> {
  let result = await session.browse({ nodeId, referenceTypeId, browseDirection: BrowseDirection.Forward, includeSubtypes: true, nodeClassMask: mask, resultMask: 63 });
  const refs = [...(result.references ?? [])];
  while (result.continuationPoint && result.continuationPoint.length > 0) {
    const [next] = await session.browseNext([result.continuationPoint], false);
    if (!next) break;
    result = next;
    refs.push(...(result.references ?? []));
  }
  return refs;
}

export async function scanObjects(session: ClientSession): Promise<AddressSpaceScan> {
  const variables: { path: string[]; nodeId: NodeId }[] = [];
  const methods: { path: string[]; nodeId: NodeId; objectId: string }[] = [];
  const topObjects: string[] = [];
  const seen = new Set<string>();
  const queue: { nodeId: string | NodeId; path: string[] }[] = [{ nodeId: OBJECTS_FOLDER, path: [] }];
  while (queue.length > 0) {
    const { nodeId, path } = queue.shift()!;
    const refs = await children(session, nodeId, 'HierarchicalReferences', NodeClassMask.Object | NodeClassMask.Variable | NodeClassMask.Method);
    for (const ref of refs) {
      const target = ref.nodeId;
      if (target.namespace === 0) continue; // standard nodes: Server, ...
      const key = target.toString();
      if (seen.has(key)) continue;
      seen.add(key);
      if (seen.size > MAX_NODES) throw new Error(`more than ${MAX_NODES} nodes under Objects: narrow the import`);
      const childPath = [...path, ref.browseName.name ?? key];
      if (ref.nodeClass === NodeClass.Object) {
        if (path.length === 0) topObjects.push(childPath[0]!);
        queue.push({ nodeId: target, path: childPath });
      } else if (ref.nodeClass === NodeClass.Variable) {
        variables.push({ path: childPath, nodeId: target });
      } else if (ref.nodeClass === NodeClass.Method) {
        methods.push({ path: childPath, nodeId: target, objectId: nodeId.toString() });
      }
    }
  }
  return { variables: await describeVariables(session, variables), methods: await describeMethods(session, methods), topObjects };
}

async function describeVariables(session: ClientSession, found: { path: string[]; nodeId: NodeId }[]): Promise<FoundVariable[]> {
  if (found.length === 0) return [];
  const attrs = [AttributeIds.DataType, AttributeIds.ValueRank, AttributeIds.Description, AttributeIds.AccessLevel];
  const values = await session.read(found.flatMap((v) => attrs.map((attributeId) => ({ nodeId: v.nodeId, attributeId }))));
  const props = await Promise.all(found.map((v) => properties(session, v.nodeId, ['EngineeringUnits', 'EURange'])));
  return found.map((v, i) => {
    const [dt, rank, desc, access] = values.slice(i * attrs.length, (i + 1) * attrs.length);
    const eu = props[i]!.get('EngineeringUnits') as { displayName?: { text?: string | null } } | undefined;
    const range = props[i]!.get('EURange') as { low?: number; high?: number } | undefined;
    return {
      path: v.path,
      nodeId: v.nodeId.toString(),
      dataType: dt?.statusCode.isGood() ? (dt.value.value as NodeId) : undefined,
      valueRank: rank?.statusCode.isGood() ? Number(rank.value.value) : -1,
      description: (desc?.value.value as { text?: string | null } | null)?.text ?? '',
      writable: access?.statusCode.isGood() ? (Number(access.value.value) & 0x02) !== 0 : false,
      ...(eu?.displayName?.text ? { units: eu.displayName.text } : {}),
      ...(range && typeof range.low === 'number' && typeof range.high === 'number' ? { range: { low: range.low, high: range.high } } : {}),
    };
  });
}

async function describeMethods(session: ClientSession, found: { path: string[]; nodeId: NodeId; objectId: string }[]): Promise<FoundMethod[]> {
  const out: FoundMethod[] = [];
  for (const m of found) {
    const [props, desc] = await Promise.all([properties(session, m.nodeId, ['InputArguments']), session.read({ nodeId: m.nodeId, attributeId: AttributeIds.Description })]);
    const input = (props.get('InputArguments') as { name?: string | null; dataType: NodeId; valueRank?: number }[] | undefined) ?? [];
    out.push({
      path: m.path,
      nodeId: m.nodeId.toString(),
      objectId: m.objectId,
      description: (desc.value.value as { text?: string | null } | null)?.text ?? '',
      args: input.map((a, i) => ({ name: a.name || `arg${i + 1}`, dataType: a.dataType, valueRank: a.valueRank ?? -1 })),
    });
  }
  return out;
}

/** The values of the named HasProperty children of a node. */
async function properties(session: ClientSession, nodeId: NodeId, names: readonly string[]): Promise<Map<string, unknown>> {
  const refs = (await children(session, nodeId, 'HasProperty', NodeClassMask.Variable)).filter((r) => names.includes(r.browseName.name ?? ''));
  const out = new Map<string, unknown>();
  if (refs.length === 0) return out;
  const values = await session.read(refs.map((r) => ({ nodeId: r.nodeId, attributeId: AttributeIds.Value })));
  refs.forEach((r, i) => {
    if (values[i]?.statusCode.isGood()) out.set(r.browseName.name!, values[i]!.value.value);
  });
  return out;
}
