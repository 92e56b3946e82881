/**
 * Builds Objects/Reactor in the server's own namespace (index 1) and binds
 * its variables and methods to the process model.
 *
 * - Setpoint variables hold their value (node-opcua's default setter);
 *   node-opcua checks access level and DataType (BadNotWritable,
 *   BadTypeMismatch) before storing, and the variable's `value_changed`
 *   event copies every stored value into the model. No getter: a getter
 *   needs minimumSamplingInterval > 0 (node-opcua warns W30/W31), which
 *   turns setpoint subscriptions into polling.
 * - Applied writes are logged by wrapping each setpoint's writeValue: the
 *   entry is appended only when the write completed with Good, and the
 *   wrapper sees the session context (client description, user). Model
 *   updates of process values use setValueFromSource, which never passes
 *   through writeValue, so they are never logged as writes.
 * - Calls are logged in the method bodies, with their result. node-opcua
 *   answers argument errors itself (BadTypeMismatch, BadArgumentsMissing,
 *   BadTooManyArguments) before the body runs: those never touch the PLC
 *   logic and are not logged.
 */
import type { CallMethodResultOptions, IAddressSpace, Namespace as UANamespace, ISessionContext, StatusCode, UAVariable } from 'node-opcua';
import type * as NodeOpcua from 'node-opcua';
import { nodeOpcua } from '../../src/devices/opcua/node-opcua.js';
import { startBatch, stopBatch, type ReactorState } from './model.js';
import type { SimLog } from './sim-log.js';
import { REACTOR_NAMESPACE_INDEX, TAGS, tagNodeId, type TagDataType, type TagSpec } from './tags.js';
import type { ClientInfo, TagValue } from './types.js';

const { DataType, StatusCodes, Variant, standardUnits } = nodeOpcua;
type DataType = NodeOpcua.DataType;
type Variant = NodeOpcua.Variant;

const DATA_TYPES: Record<TagDataType, DataType> = {
  Double: DataType.Double,
  Int32: DataType.Int32,
  String: DataType.String,
};

export interface ReactorNodes {
  /** Pushes changed read-only values (process values, batch) to their variables. */
  publish(): void;
}

export function buildReactor(addressSpace: IAddressSpace, state: ReactorState, log: SimLog): ReactorNodes {
  const namespace = addressSpace.getOwnNamespace();
  if (namespace.index !== REACTOR_NAMESPACE_INDEX) {
    throw new Error(`opcua sim: own namespace has index ${namespace.index}, expected ${REACTOR_NAMESPACE_INDEX}`);
  }
  const reactor = namespace.addObject({
    browseName: 'Reactor',
    nodeId: 's=reactor',
    organizedBy: addressSpace.rootFolder.objects,
  });

  const readOnly: Array<{ spec: TagSpec; variable: UAVariable; last: TagValue | undefined }> = [];
  for (const spec of TAGS) {
    const common = {
      componentOf: reactor,
      browseName: spec.tag.slice('reactor.'.length),
      nodeId: `s=${spec.tag}`,
      description: spec.description,
      dataType: spec.dataType,
    };
    if (spec.writable) {
      const variable = addTagVariable(namespace, spec, {
        ...common,
        accessLevel: 'CurrentRead | CurrentWrite',
        userAccessLevel: 'CurrentRead | CurrentWrite',
        // Exception-based: the variable holds the setpoint (no getter, so no
        // sampling), and every stored change notifies monitored items at once.
        minimumSamplingInterval: 0,
        value: { dataType: DATA_TYPES[spec.dataType], value: spec.read(state) },
      });
      // Every stored change (a client write, or an in-process set) reaches the model.
      variable.on('value_changed', (dataValue) => {
        spec.write?.(state, dataValue.value.value as number);
      });
      logAppliedWrites(variable, spec, log);
    } else {
      const variable = addTagVariable(namespace, spec, {
        ...common,
        accessLevel: 'CurrentRead',
        userAccessLevel: 'CurrentRead',
        // Exception-based: publish() pushes every change with setValueFromSource.
        minimumSamplingInterval: 0,
      });
      readOnly.push({ spec, variable, last: undefined });
    }
  }

  addMethods(namespace, reactor, state, log, () => publish());

  function publish(): void {
    const now = new Date();
    for (const node of readOnly) {
      const value = node.spec.read(state);
      if (value === node.last) continue;
      node.last = value;
      node.variable.setValueFromSource({ dataType: DATA_TYPES[node.spec.dataType], value }, StatusCodes.Good, now);
    }
  }
  publish();
  return { publish };
}

type Namespace = ReturnType<IAddressSpace['getOwnNamespace']>;
type UAObject = ReturnType<Namespace['addObject']>;
type VariableOptions = Parameters<Namespace['addVariable']>[0];

/**
 * Analog tags become AnalogItemType variables with the EngineeringUnits and
 * EURange properties a real PLC publishes (what `taogate profile import
 * opcua` reads); the rest are plain variables.
 */
function addTagVariable(namespace: Namespace, spec: TagSpec, options: VariableOptions): UAVariable {
  if (!spec.analog) return namespace.addVariable(options);
  const { value, ...rest } = options as VariableOptions & { value?: { dataType: DataType; value: TagValue } };
  // The own namespace of a server is a full Namespace (data access included); INamespace does not say so.
  const dataAccess = namespace as unknown as UANamespace;
  const variable: UAVariable = dataAccess.addAnalogDataItem({
    ...(rest as Parameters<UANamespace['addAnalogDataItem']>[0]),
    engineeringUnitsRange: { low: spec.analog.low, high: spec.analog.high },
    engineeringUnits: standardUnits[spec.analog.units],
  });
  if (value) variable.setValueFromSource(value, StatusCodes.Good);
  return variable;
}

function addMethods(namespace: Namespace, reactor: UAObject, state: ReactorState, log: SimLog, publish: () => void): void {
  const start = namespace.addMethod(reactor, {
    browseName: 'StartBatch',
    nodeId: 's=reactor.StartBatch',
    inputArguments: [{ name: 'recipeId', dataType: DataType.String, description: 'recipe to run' }],
    outputArguments: [{ name: 'batchId', dataType: DataType.String, description: 'id of the new batch' }],
  });
  start.bindMethod(async (inputArguments: Variant[], context: ISessionContext): Promise<CallMethodResultOptions> => {
    const recipeId = typeof inputArguments[0]?.value === 'string' ? inputArguments[0].value : '';
    const result = startBatch(state, recipeId);
    let statusCode: StatusCode;
    let outputs: string[] = [];
    if (result.ok) {
      statusCode = StatusCodes.Good;
      outputs = [result.batchId];
      publish();
    } else {
      // OPC UA Part 4 §5.11.2: per-method result status.
      statusCode = result.reason === 'empty_recipe' ? StatusCodes.BadInvalidArgument : StatusCodes.BadInvalidState;
    }
    log.append({
      kind: 'call',
      method: 'StartBatch',
      nodeId: `ns=${REACTOR_NAMESPACE_INDEX};s=reactor.StartBatch`,
      args: [recipeId],
      status: statusCode.name,
      outputs,
      ...withClient(context),
    });
    return { statusCode, outputArguments: outputs.map((value) => ({ dataType: DataType.String, value })) };
  });

  const stop = namespace.addMethod(reactor, { browseName: 'Stop', nodeId: 's=reactor.Stop' });
  stop.bindMethod(async (_inputArguments: Variant[], context: ISessionContext): Promise<CallMethodResultOptions> => {
    stopBatch(state);
    publish();
    log.append({
      kind: 'call',
      method: 'Stop',
      nodeId: `ns=${REACTOR_NAMESPACE_INDEX};s=reactor.Stop`,
      args: [],
      status: StatusCodes.Good.name,
      outputs: [],
      ...withClient(context),
    });
    return { statusCode: StatusCodes.Good };
  });
}

type WriteValueFn = (context: ISessionContext | null, dataValue: { value: Variant }, ...rest: unknown[]) => unknown;
type StatusCallback = (err: Error | null, statusCode?: StatusCode) => void;

/** Wraps variable.writeValue so that every write that ends Good is logged with its session. */
function logAppliedWrites(variable: UAVariable, spec: TagSpec, log: SimLog): void {
  const original = (variable.writeValue as WriteValueFn).bind(variable);
  const record = (context: ISessionContext | null, value: unknown): void => {
    log.append({
      kind: 'write',
      nodeId: tagNodeId(spec.tag),
      tag: spec.tag,
      value: value as TagValue,
      ...withClient(context),
    });
  };
  const wrapped: WriteValueFn = (context, dataValue, ...rest) => {
    const cbIndex = rest.findIndex((arg) => typeof arg === 'function');
    if (cbIndex < 0) {
      // promise form
      return (original(context, dataValue, ...rest) as Promise<StatusCode>).then((status) => {
        if (status.isGood()) record(context, dataValue.value.value);
        return status;
      });
    }
    const callback = rest[cbIndex] as StatusCallback;
    rest[cbIndex] = ((err, statusCode) => {
      if (!err && statusCode?.isGood()) record(context, dataValue.value.value);
      callback(err, statusCode);
    }) satisfies StatusCallback;
    return original(context, dataValue, ...rest);
  };
  (variable as unknown as { writeValue: WriteValueFn }).writeValue = wrapped;
}

interface SessionLike {
  sessionName?: string;
  clientDescription?: { applicationUri?: string | null; applicationName?: { text?: string | null } | null };
}

function withClient(context: ISessionContext | null): { client?: ClientInfo } {
  const session = context?.session as SessionLike | undefined;
  if (!context || !session) return {};
  const client: ClientInfo = {};
  if (session.sessionName) client.sessionName = session.sessionName;
  const desc = session.clientDescription;
  if (desc?.applicationUri) client.applicationUri = desc.applicationUri;
  if (desc?.applicationName?.text) client.applicationName = desc.applicationName.text;
  const user = context.getUserName();
  if (user) client.user = user;
  return { client };
}
