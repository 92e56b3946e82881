/**
 * `taogate profile import opcua ENDPOINT`: connects to a PLC as the gateway
 * would (same client certificate and trust list, the given security and
 * login), browses its Objects folder and writes a profile skeleton: every
 * Variable a tag (node id, DataType mapped to the profile type,
 * EngineeringUnits -> units, EURange -> min/max, Description), every Method
 * a gated method, nothing writable. Bounded in time: an endpoint that does
 * not answer fails after `timeoutMs`.
 */
import type { ClientSession, NodeId } from 'node-opcua';
import { nodeOpcua } from '../devices/opcua/node-opcua.js';
import type { OpcuaDevice, OpcuaPlcIdentity, OpcuaSecurityMode, OpcuaSecurityPolicy, TagType } from '../policy/types.js';
import { loadPlcIdentity } from '../devices/opcua/identity.js';
import { GATEWAY_CLIENT_APPLICATION } from '../devices/opcua/session.js';
import { describeConnectFailure } from '../devices/opcua/untrusted.js';
import { scanObjects, type AddressSpaceScan } from './opcua-browse.js';
import { fittingLimits, nameSegment, renderSkeleton, skeletonIssues, type SkeletonMethod, type SkeletonTag } from './skeleton.js';

const { OPCUACertificateManager, OPCUAClient, MessageSecurityMode, SecurityPolicy } = nodeOpcua;

export interface OpcuaImportOptions {
  readonly endpoint: string;
  readonly device: string;
  readonly securityPolicy: OpcuaSecurityPolicy;
  readonly securityMode: OpcuaSecurityMode;
  /** Absolute paths (the CLI resolves them); written to the profile as given in `profilePaths`. */
  readonly identity: OpcuaPlcIdentity;
  /** How the identity's files are named in the profile (relative to the keys dir when inside it). */
  readonly profilePaths: { readonly passwordFile?: string };
  /** The gateway's PLC-client PKI (its certificate; PLC certificates it trusts). */
  readonly pkiDir: string;
  readonly timeoutMs: number;
  readonly gateway: { readonly id: string; readonly site: string };
}

export interface OpcuaImportResult {
  readonly yaml: string;
  readonly tags: number;
  readonly methods: number;
  /** Nodes left out, with why (for stderr and the file header). */
  readonly skipped: readonly string[];
}

/** OPC UA built-in DataTypes (ns=0) a profile can hold. */
const TYPE_OF: Readonly<Record<number, TagType>> = { 1: 'bool', 2: 'int16', 3: 'uint16', 4: 'int16', 5: 'uint16', 6: 'int32', 7: 'uint32', 10: 'float32', 11: 'float64', 12: 'string' };
const TYPE_NAMES: Readonly<Record<number, string>> = { 8: 'Int64', 9: 'UInt64', 13: 'DateTime', 15: 'ByteString', 21: 'LocalizedText', 22: 'Structure' };

function profileType(dataType: NodeId | undefined, valueRank: number): TagType | string {
  if (valueRank > 0 || valueRank === 0) return 'an array';
  if (!dataType) return 'an unreadable DataType';
  if (dataType.namespace === 0 && typeof dataType.value === 'number' && TYPE_OF[dataType.value]) return TYPE_OF[dataType.value]!;
  const known = dataType.namespace === 0 && typeof dataType.value === 'number' ? TYPE_NAMES[dataType.value] : undefined;
  return `DataType ${known ?? dataType.toString()}`;
}

function isTagType(t: string): t is TagType {
  return ['bool', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'string'].includes(t);
}

export async function importOpcua(o: OpcuaImportOptions): Promise<OpcuaImportResult> {
  const device: OpcuaDevice = { id: o.device, protocol: 'opcua', endpoint: o.endpoint, securityPolicy: o.securityPolicy, securityMode: o.securityMode, identity: o.identity };
  const identity = loadPlcIdentity(device, '/');
  const certificates = new OPCUACertificateManager({ rootFolder: o.pkiDir, automaticallyAcceptUnknownCertificate: false });
  const client = OPCUAClient.create({
    applicationName: GATEWAY_CLIENT_APPLICATION,
    endpointMustExist: false,
    securityMode: MessageSecurityMode[o.securityMode],
    securityPolicy: SecurityPolicy[o.securityPolicy],
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    requestedSessionTimeout: 60_000,
    defaultTransactionTimeout: o.timeoutMs,
    clientCertificateManager: certificates,
  });
  let session: ClientSession | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from ${o.endpoint} within ${o.timeoutMs} ms`)), o.timeoutMs);
  });
  try {
    const scan = await Promise.race([
      (async () => {
        try {
          await client.connect(o.endpoint);
          session = await client.createSession(identity);
        } catch (err) {
          throw new Error(describeConnectFailure(err as Error, device, o.pkiDir).message);
        }
        return scanObjects(session);
      })(),
      deadline,
    ]);
    return build(o, scan);
  } finally {
    clearTimeout(timer);
    const s = session as ClientSession | undefined;
    await bounded(s?.close(), 1000);
    await bounded(client.disconnect(), 2000);
    await bounded(certificates.dispose(), 1000);
  }
}

function build(o: OpcuaImportOptions, scan: AddressSpaceScan): OpcuaImportResult {
  // One top-level object (the usual PLC program object) adds nothing to the names: reactor.temp_sp, not reactor.Reactor.temp_sp.
  const drop = scan.topObjects.length === 1 ? 1 : 0;
  const used = new Set<string>();
  const nameOf = (path: readonly string[]) => {
    const base = [o.device, ...path.slice(drop).map(nameSegment)].join('.');
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    return name;
  };
  const skipped: string[] = [];
  const tags: SkeletonTag[] = [];
  for (const v of scan.variables) {
    const type = profileType(v.dataType, v.valueRank);
    if (!isTagType(type)) {
      skipped.push(`${v.nodeId} (${v.path.join('/')}): ${type} has no profile type`);
      continue;
    }
    const limits = v.range ? fittingLimits(type, v.range.low, v.range.high) : {};
    tags.push({ name: nameOf(v.path), type, ...(v.units ? { units: v.units } : {}), ...(v.description ? { description: v.description } : {}), opcua: { nodeId: v.nodeId }, ...limits });
  }
  const methods: SkeletonMethod[] = [];
  for (const m of scan.methods) {
    const args = m.args.map((a) => ({ name: nameSegment(a.name).replace(/-/g, '_'), type: profileType(a.dataType, a.valueRank) }));
    const bad = args.find((a) => !isTagType(a.type));
    if (bad) {
      skipped.push(`${m.nodeId} (${m.path.join('/')}): argument ${bad.name} is ${bad.type}, which has no profile type`);
      continue;
    }
    methods.push({ name: nameOf(m.path), ...(m.description ? { description: m.description } : {}), objectId: m.objectId, methodId: m.nodeId, args: args.map((a) => ({ name: a.name, type: a.type as TagType })) });
  }
  const device: Record<string, unknown> = { protocol: 'opcua', description: `imported from ${o.endpoint}`, endpoint: o.endpoint, security_policy: o.securityPolicy, security_mode: o.securityMode };
  if (o.identity.kind === 'user') Object.assign(device, { user: o.identity.user, password_file: o.profilePaths.passwordFile ?? o.identity.passwordFile });
  const yaml = renderSkeleton({
    gateway: o.gateway,
    deviceId: o.device,
    device,
    tags,
    methods,
    header: [
      `Imported by \`taogate profile import opcua\` from ${o.endpoint} (${tags.length} tags, ${methods.length} methods).`,
      ...skipped.map((s) => `skipped ${s}`),
    ],
  });
  const issues = skeletonIssues(yaml, 'imported profile');
  if (issues.length > 0) throw new Error(`the imported profile does not pass the profile check (please report): ${issues.map((i) => i.message).join('; ')}`);
  return { yaml, tags: tags.length, methods: methods.length, skipped };
}

async function bounded(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!p) return;
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise<void>((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}
