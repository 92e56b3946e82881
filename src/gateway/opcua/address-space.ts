/**
 * The gateway's own address space (namespace 1):
 *
 *   Objects/<device>                 one object per opcua device, ns=1;s=<device>
 *     <tag>                          ns=1;s=<tag>, the profile's DataType; values mirrored from the PLC
 *     <Method>(args)                 ns=1;s=<method>, the profile's argument signature; gated
 *   Objects/taogate                  ns=1;s=taogate
 *     PresentTAO(envelope) -> (jti, code)
 *
 * Nothing here stores a client's value: the variables change only through
 * mirror() (the PLC subscription), writes are answered by the engine write
 * hook (write-hook.ts), and method bodies hand over to the front.
 */
import type { CallMethodResultOptions, IAddressSpace, ISessionContext, UAVariable } from 'node-opcua';
import type * as NodeOpcua from 'node-opcua';
import { nodeOpcua } from '../../devices/opcua/node-opcua.js';
import type { MethodPolicy, OpcuaDevice, Profile, TagPolicy } from '../../policy/types.js';
import { DATA_TYPES } from './variants.js';

const { DataType, StatusCodes, Variant } = nodeOpcua;
type Variant = NodeOpcua.Variant;

export const GATEWAY_OBJECT = 'taogate';
export const PRESENT_TAO = `${GATEWAY_OBJECT}.PresentTAO`;

export type MethodHandler = (method: MethodPolicy, inputArguments: Variant[], context: ISessionContext) => Promise<CallMethodResultOptions>;
export type PresentHandler = (envelope: string, context: ISessionContext) => Promise<CallMethodResultOptions>;

export interface GatewayNodes {
  /** Gateway variable of each mirrored tag, by tag name. */
  readonly variables: ReadonlyMap<string, UAVariable>;
  /** NodeId string ("ns=1;s=<tag>") -> tag, for the write hook. */
  readonly tagsByNodeId: ReadonlyMap<string, TagPolicy>;
}

export function gatewayNodeId(namespaceIndex: number, name: string): string {
  return `ns=${namespaceIndex};s=${name}`;
}

export function buildGatewayNodes(
  addressSpace: IAddressSpace,
  profile: Profile,
  devices: readonly OpcuaDevice[],
  handlers: { call: MethodHandler; present: PresentHandler },
): GatewayNodes {
  const namespace = addressSpace.getOwnNamespace();
  const variables = new Map<string, UAVariable>();
  const tagsByNodeId = new Map<string, TagPolicy>();
  for (const device of devices) {
    const object = namespace.addObject({ browseName: device.id, nodeId: `s=${device.id}`, organizedBy: addressSpace.rootFolder.objects });
    for (const tag of profile.tags.values()) {
      if (tag.device !== device.id || !tag.opcua) continue;
      const access = tag.writeRoles.length > 0 ? 'CurrentRead | CurrentWrite' : 'CurrentRead';
      const variable = namespace.addVariable({
        componentOf: object,
        browseName: shortName(device.id, tag.name),
        nodeId: `s=${tag.name}`,
        description: tag.description,
        dataType: DataType[DATA_TYPES[tag.type]],
        accessLevel: access,
        userAccessLevel: access,
        // Exception-based: mirror() pushes every PLC change to subscribers at once.
        minimumSamplingInterval: 0,
      });
      variable.setValueFromSource(new Variant({ dataType: DATA_TYPES[tag.type], value: initial(tag) }), StatusCodes.BadWaitingForInitialData);
      variables.set(tag.name, variable);
      tagsByNodeId.set(variable.nodeId.toString(), tag);
    }
    for (const method of profile.methods.values()) {
      if (method.device !== device.id) continue;
      const node = namespace.addMethod(object, {
        browseName: shortName(device.id, method.name),
        nodeId: `s=${method.name}`,
        description: method.description,
        inputArguments: method.args.map((a) => ({ name: a.name, dataType: DATA_TYPES[a.type], description: a.name })),
        outputArguments: [],
      });
      node.bindMethod((inputArguments: Variant[], context: ISessionContext) => handlers.call(method, inputArguments, context));
    }
  }

  const gateway = namespace.addObject({ browseName: GATEWAY_OBJECT, nodeId: `s=${GATEWAY_OBJECT}`, organizedBy: addressSpace.rootFolder.objects, description: 'taogate: present pre-issued TAOs' });
  const present = namespace.addMethod(gateway, {
    browseName: 'PresentTAO',
    nodeId: `s=${PRESENT_TAO}`,
    description: 'Stages a pre-issued TAO (the JSON envelope) for the calling actor; the next matching write consumes it.',
    inputArguments: [{ name: 'envelope', dataType: DataType.String, description: 'the TAO envelope, JSON' }],
    outputArguments: [
      { name: 'jti', dataType: DataType.String, description: 'the staged TAO id' },
      { name: 'code', dataType: DataType.String, description: "'' when staged, else the refusal code (e.g. consumed, bad_signature, expired, wrong_audience)" },
    ],
  });
  present.bindMethod((inputArguments: Variant[], context: ISessionContext) => handlers.present(String(inputArguments[0]?.value ?? ''), context));
  return { variables, tagsByNodeId };
}

function shortName(device: string, name: string): string {
  return name.startsWith(`${device}.`) ? name.slice(device.length + 1) : name;
}

function initial(tag: TagPolicy): number | boolean | string {
  return tag.type === 'bool' ? false : tag.type === 'string' ? '' : 0;
}
