/**
 * Where the PLCs are is deployment, not policy: the demo remaps ports, a
 * site moves a PLC to a new address. withDeviceOverrides swaps addresses
 * and keeps the policy hash (hash.ts leaves host, port and endpoint out).
 */
import type { Device, Profile } from './types.js';

export interface DeviceOverride {
  readonly host?: string;
  readonly port?: number;
  readonly endpoint?: string;
  /** Modbus RTU on a serial line: the device path on this host. */
  readonly serialPath?: string;
}

export function withDeviceOverrides(
  profile: Profile,
  overrides: Readonly<Record<string, DeviceOverride>> | ReadonlyMap<string, DeviceOverride>,
): Profile {
  const entries = overrides instanceof Map ? [...overrides] : Object.entries(overrides as Record<string, DeviceOverride>);
  const devices = new Map(profile.devices);
  for (const [id, o] of entries) {
    const d = devices.get(id);
    if (!d) throw new Error(`device override: no device '${id}' in profile ${profile.source}`);
    devices.set(id, apply(d, o));
  }
  return { ...profile, devices };
}

function apply(d: Device, o: DeviceOverride): Device {
  if (d.protocol === 'modbus') {
    if (o.endpoint !== undefined) throw new Error(`device override: ${d.id} is a Modbus device; give host/port, not endpoint`);
    if (d.transport === 'rtu') {
      if (o.host !== undefined || o.port !== undefined || o.serialPath === undefined) throw new Error(`device override: ${d.id} is a Modbus RTU device on a serial line; give its device path`);
      return { ...d, serial: { ...d.serial!, path: o.serialPath } };
    }
    if (o.serialPath !== undefined) throw new Error(`device override: ${d.id} is reached over TCP; give host:port, not a device path`);
    if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 1 && o.port <= 65535)) {
      throw new Error(`device override: ${d.id}: port ${o.port} is not a TCP port`);
    }
    return { ...d, host: o.host ?? d.host, port: o.port ?? d.port };
  }
  if (o.host !== undefined || o.port !== undefined) {
    if (o.endpoint !== undefined) throw new Error(`device override: ${d.id}: give endpoint, or host/port, not both`);
    // host/port on an OPC UA device rewrite the endpoint URL's authority, keeping its path.
    const url = new URL(d.endpoint);
    if (o.host !== undefined) url.hostname = o.host;
    if (o.port !== undefined) url.port = String(o.port);
    return { ...d, endpoint: url.toString() };
  }
  if (o.endpoint !== undefined && !o.endpoint.startsWith('opc.tcp://')) {
    throw new Error(`device override: ${d.id}: endpoint must start with opc.tcp://`);
  }
  return { ...d, endpoint: o.endpoint ?? d.endpoint };
}
