/**
 * Modbus device entries and the Modbus front's settings: raw YAML -> the
 * normalized ModbusDevice / ModbusFrontSettings, with every default resolved
 * here (profiles/profile.schema.json documents the same defaults).
 */
import type { RawDevice, RawProfile } from './raw.js';
import type { ModbusDevice, ModbusFrontSettings } from './types.js';

export const MODBUS_DEFAULTS = {
  port: 502,
  unit: 1,
  timeoutMs: 1000,
  maxConnections: 4,
  idleTimeoutS: 60,
  maxConnectionsPerSource: 32,
} as const;

/**
 * Modbus over serial line v1.02, 2.5.1.1: at least 3.5 character times of
 * silence between frames (11 bits per character in RTU mode), fixed at
 * 1.75 ms above 19200 baud.
 */
export function rtuInterFrameGapMs(baud: number): number {
  return baud > 19200 ? 1.75 : Math.ceil(((3.5 * 11 * 1000) / baud) * 100) / 100;
}

export function modbusDevice(id: string, v: RawDevice): ModbusDevice {
  const transport = v.transport ?? 'tcp';
  const unit = v.unit ?? MODBUS_DEFAULTS.unit;
  const s = transport === 'rtu' ? v.serial : undefined;
  return {
    id,
    protocol: 'modbus',
    transport,
    host: v.host ?? '',
    port: v.port ?? MODBUS_DEFAULTS.port,
    ...(s && { serial: { path: s.path, baud: s.baud, parity: s.parity, dataBits: s.data_bits, stopBits: s.stop_bits } }),
    unit,
    plcUnit: v.plc_unit ?? unit,
    default: v.default ?? false,
    timeoutMs: v.timeout_ms ?? MODBUS_DEFAULTS.timeoutMs,
    maxConnections: transport === 'tcp' ? (v.max_connections ?? MODBUS_DEFAULTS.maxConnections) : 1,
    interFrameGapMs: v.inter_frame_gap_ms ?? (s ? rtuInterFrameGapMs(s.baud) : 0),
  };
}

export function modbusFrontSettings(gateway: RawProfile['gateway']): ModbusFrontSettings {
  return {
    exceptions: { ...(gateway.modbus_exceptions ?? {}) },
    idleTimeoutS: gateway.modbus_idle_timeout_s ?? MODBUS_DEFAULTS.idleTimeoutS,
    maxConnectionsPerSource: gateway.modbus_max_connections_per_source ?? MODBUS_DEFAULTS.maxConnectionsPerSource,
  };
}
