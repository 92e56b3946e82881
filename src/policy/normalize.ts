/**
 * Schema-valid, semantically checked YAML data -> the normalized Profile:
 * camelCase, every default resolved once here, maps in file order.
 */
import { policyHash } from './hash.js';
import { modbusDevice, modbusFrontSettings } from './modbus-device.js';
import { registersFor, type RawActor, type RawApprovals, type RawDevice, type RawMethod, type RawProfile, type RawTag } from './raw.js';
import type { ActorPolicy, ApprovalRule, ApproverPolicy, Device, MethodPolicy, OpcuaDevice, OpcuaIdentity, OpcuaPlcIdentity, Profile, TagPolicy } from './types.js';

export const DEFAULTS = {
  unlistedWrites: 'deny',
  taoTtlS: 60,
  approvalTtlS: 900,
  clockSkewS: 5,
  governanceDeadlineMs: 500,
  allowPlainPasswords: false,
  modbusPort: 502,
  modbusUnit: 1,
  opcuaSecurityPolicy: 'Basic256Sha256',
  opcuaSecurityMode: 'SignAndEncrypt',
  breakglassApprovals: 2,
  breakglassRoles: ['supervisor'],
  breakglassMaxMinutes: 30,
} as const;

export function normalize(raw: RawProfile, source: string): Profile {
  const d = raw.defaults ?? {};
  const body: Omit<Profile, 'policyHash' | 'source'> = {
    version: 1,
    gateway: { id: raw.gateway.id, site: raw.gateway.site },
    modbusFront: modbusFrontSettings(raw.gateway),
    defaults: {
      unlistedWrites: 'deny',
      taoTtlS: d.tao_ttl_s ?? DEFAULTS.taoTtlS,
      approvalTtlS: d.approval_ttl_s ?? DEFAULTS.approvalTtlS,
      clockSkewS: d.clock_skew_s ?? DEFAULTS.clockSkewS,
      governanceDeadlineMs: d.governance_deadline_ms ?? DEFAULTS.governanceDeadlineMs,
      allowPlainPasswords: d.allow_plain_passwords ?? DEFAULTS.allowPlainPasswords,
    },
    devices: new Map(Object.entries(raw.devices).map(([id, v]) => [id, device(id, v)])),
    tags: new Map(Object.entries(raw.tags).map(([name, t]) => [name, tag(name, t)])),
    methods: new Map(Object.entries(raw.methods ?? {}).map(([name, m]) => [name, method(name, m)])),
    actors: new Map(Object.entries(raw.actors).map(([id, a]) => [id, actor(id, a)])),
    approvers: new Map(Object.entries(raw.approvers ?? {}).map(([id, a]) => [id, { id, role: a.role } satisfies ApproverPolicy])),
    breakglass: { count: raw.breakglass?.approvals ?? DEFAULTS.breakglassApprovals, roles: raw.breakglass?.roles ?? [...DEFAULTS.breakglassRoles], maxMinutes: raw.breakglass?.max_minutes ?? DEFAULTS.breakglassMaxMinutes },
  };
  return { ...body, policyHash: policyHash(body), source };
}

function device(id: string, v: RawDevice): Device {
  if (v.protocol === 'opcua') return opcuaDevice(id, v);
  return modbusDevice(id, v);
}

function opcuaDevice(id: string, v: RawDevice): OpcuaDevice {
  const identity: OpcuaPlcIdentity =
    v.user !== undefined && v.password_file !== undefined
      ? { kind: 'user', user: v.user, passwordFile: v.password_file }
      : v.user_cert !== undefined && v.user_key !== undefined
        ? { kind: 'certificate', certFile: v.user_cert, keyFile: v.user_key }
        : { kind: 'anonymous' };
  const securityPolicy = v.security_policy ?? DEFAULTS.opcuaSecurityPolicy;
  const securityMode = v.security_mode ?? (securityPolicy === 'None' ? 'None' : DEFAULTS.opcuaSecurityMode);
  return { id, protocol: 'opcua', endpoint: v.endpoint!, securityPolicy, securityMode, identity };
}

function tag(name: string, t: RawTag): TagPolicy {
  const bits = t.modbus?.table === 'coil' || t.modbus?.table === 'discrete';
  return {
    name,
    device: t.device,
    type: t.type,
    units: t.units ?? '',
    description: t.description ?? '',
    ...(t.modbus && {
      modbus: {
        table: t.modbus.table,
        address: t.modbus.address,
        registers: bits ? 1 : registersFor(t.type),
        wordOrder: t.modbus.word_order ?? 'ABCD',
      },
    }),
    ...(t.opcua && { opcua: { nodeId: t.opcua.node_id } }),
    ...(t.min !== undefined && { min: t.min }),
    ...(t.max !== undefined && { max: t.max }),
    ...(t.max_step !== undefined && { maxStep: t.max_step }),
    minIntervalMs: t.min_interval_ms ?? 0,
    readback: t.readback ?? false,
    writeRoles: t.write_roles ?? [],
    approvals: approvals(t.approvals),
  };
}

function method(name: string, m: RawMethod): MethodPolicy {
  return {
    name,
    device: m.device,
    description: m.description ?? '',
    opcua: { objectId: m.opcua.object_id, methodId: m.opcua.method_id },
    args: (m.args ?? []).map((a) => ({ name: a.name, type: a.type })),
    callRoles: m.call_roles ?? [],
    approvals: approvals(m.approvals),
    minIntervalMs: m.min_interval_ms ?? 0,
  };
}

function actor(id: string, a: RawActor): ActorPolicy {
  const ua = a.opcua;
  const opcua: OpcuaIdentity | undefined = ua && {
    ...(ua.username !== undefined && { username: ua.username }),
    ...(ua.password !== undefined && { password: ua.password }),
    ...(ua.password_hash !== undefined && { passwordHash: ua.password_hash }),
    ...(ua.certificate_thumbprint !== undefined && { certificateThumbprint: ua.certificate_thumbprint.toLowerCase() }),
  };
  return {
    id,
    kind: a.kind,
    role: a.role,
    description: a.description ?? '',
    modbusSources: a.modbus?.sources ?? [],
    ...(opcua && { opcua }),
  };
}

function approvals(r: RawApprovals | undefined): ApprovalRule {
  return { count: r?.count ?? 0, roles: r?.roles ?? [] };
}
