/**
 * policyHash: the version of a policy, carried in every TAO and checked by
 * the gate (policy_mismatch).
 *
 *   policyHash = hex(SHA-256(canonicalize(policyDocument(profile))))
 *
 * policyDocument is built from the NORMALIZED profile (defaults resolved,
 * so comments, key order, YAML style and spelled-out defaults do not
 * matter) and holds:
 *   format      "taogate-policy/1" (domain separation)
 *   version, gateway {id, site}, defaults
 *   devices     id -> {protocol, unit}: NOT host, port or endpoint, so a
 *               deployment may move a PLC (or the demo remap ports)
 *               without invalidating TAOs
 *   tags, methods, approvers: every field
 *   actors      every field except opcua.password and opcua.passwordHash
 *               (secrets are not policy; rotating one keeps the hash)
 * Maps become objects keyed by id. Every number is written as a plain
 * decimal string (canonical JSON allows only integers); absent optional
 * fields are left out.
 */
import { canonicalize, sha256Hex } from '../crypto/index.js';
import type { Profile } from './types.js';
import { plainDecimal } from './values.js';

export const POLICY_HASH_FORMAT = 'taogate-policy/1';

type Plain = string | boolean | Plain[] | { [key: string]: Plain };

export function policyHash(profile: Omit<Profile, 'policyHash' | 'source'>): string {
  return sha256Hex(canonicalize(policyDocument(profile)));
}

export function policyDocument(profile: Omit<Profile, 'policyHash' | 'source'>): Plain {
  const devices = [...profile.devices.values()].map((d) => [d.id, d.protocol === 'modbus' ? { protocol: d.protocol, unit: d.unit } : { protocol: d.protocol }] as const);
  const actors = [...profile.actors.values()].map((a) => {
    const { password: _p, passwordHash: _h, ...opcua } = a.opcua ?? {};
    return [a.id, { ...a, opcua: a.opcua ? opcua : undefined }] as const;
  });
  return plain({
    format: POLICY_HASH_FORMAT,
    version: profile.version,
    gateway: profile.gateway,
    defaults: profile.defaults,
    devices: Object.fromEntries(devices),
    tags: Object.fromEntries(profile.tags),
    methods: Object.fromEntries(profile.methods),
    actors: Object.fromEntries(actors),
    approvers: Object.fromEntries(profile.approvers),
  });
}

/** Numbers -> decimal strings, undefined dropped, Maps refused (they must be converted above). */
function plain(value: unknown): Plain {
  if (typeof value === 'number') return plainDecimal(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: { [key: string]: Plain } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v);
    return out;
  }
  throw new TypeError(`policyHash: unexpected ${Object.prototype.toString.call(value)}`);
}
