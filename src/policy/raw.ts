/**
 * The profile as written in YAML (snake_case), AFTER it passed the JSON
 * Schema: these shapes are what profiles/profile.schema.json guarantees.
 */
import type { ActorKind, ModbusTable, OpcuaSecurityMode, OpcuaSecurityPolicy, TagType, WordOrder } from './types.js';

export interface RawApprovals {
  count: number;
  roles?: string[];
}

export interface RawDevice {
  protocol: 'modbus' | 'opcua';
  description?: string;
  transport?: 'tcp' | 'rtu' | 'rtu_over_tcp';
  host?: string;
  port?: number;
  serial?: { path: string; baud: number; parity: 'none' | 'even' | 'odd'; data_bits: 7 | 8; stop_bits: 1 | 2 };
  unit?: number;
  plc_unit?: number;
  default?: boolean;
  timeout_ms?: number;
  max_connections?: number;
  inter_frame_gap_ms?: number;
  endpoint?: string;
  security_policy?: OpcuaSecurityPolicy;
  security_mode?: OpcuaSecurityMode;
  user?: string;
  password_file?: string;
  user_cert?: string;
  user_key?: string;
}

export interface RawTag {
  device: string;
  type: TagType;
  units?: string;
  description?: string;
  modbus?: { table: ModbusTable; address: number; word_order?: WordOrder };
  opcua?: { node_id: string };
  min?: number;
  max?: number;
  max_step?: number;
  min_interval_ms?: number;
  readback?: boolean;
  write_roles?: string[];
  approvals?: RawApprovals;
}

export interface RawMethod {
  device: string;
  description?: string;
  opcua: { object_id: string; method_id: string };
  args?: { name: string; type: TagType }[];
  call_roles?: string[];
  approvals?: RawApprovals;
  min_interval_ms?: number;
}

export interface RawActor {
  kind: ActorKind;
  role: string;
  description?: string;
  modbus?: { sources: string[] };
  opcua?: { username?: string; password?: string; password_hash?: string; certificate_thumbprint?: string };
}

export interface RawProfile {
  version: 1;
  gateway: {
    id: string;
    site: string;
    modbus_exceptions?: Record<string, number>;
    modbus_idle_timeout_s?: number;
    modbus_max_connections_per_source?: number;
  };
  defaults?: {
    unlisted_writes?: 'deny';
    tao_ttl_s?: number;
    approval_ttl_s?: number;
    clock_skew_s?: number;
    governance_deadline_ms?: number;
    allow_plain_passwords?: boolean;
  };
  devices: Record<string, RawDevice>;
  tags: Record<string, RawTag>;
  methods?: Record<string, RawMethod>;
  actors: Record<string, RawActor>;
  approvers?: Record<string, { role: string; description?: string }>;
  breakglass?: { approvals?: number; roles?: string[]; max_minutes?: number };
}

/** Registers a Modbus value spans, by type (coils and discrete inputs: one bit). */
export function registersFor(type: TagType): number {
  switch (type) {
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'float64':
      return 4;
    default:
      return 1;
  }
}
