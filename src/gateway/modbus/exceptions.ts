/**
 * Modbus exception codes (Modbus Application Protocol v1.1b3, section 7) and
 * what the gateway answers for each class of refusal, so that an HMI can
 * tell "no such tag" from "out of range" from "wait for approval". Modbus
 * has no "access denied" code; every default below is configurable (profile
 * gateway.modbus_exceptions) and documented in docs/refusal-codes.md.
 */
import type { ModbusExceptionClass } from '../../refusal/codes.js';

export const EXC = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  SERVER_DEVICE_FAILURE: 0x04,
  SERVER_DEVICE_BUSY: 0x06,
  GATEWAY_PATH_UNAVAILABLE: 0x0a,
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

export type ModbusExceptionConfig = Readonly<Record<ModbusExceptionClass, number>>;

export const DEFAULT_MODBUS_EXCEPTIONS: ModbusExceptionConfig = {
  /** Not allowed: unknown actor, role not allowed, TAO refused, function code not forwarded. */
  refused: EXC.ILLEGAL_FUNCTION,
  /** No such address, or the address is not a (writable) tag. */
  illegal_address: EXC.ILLEGAL_DATA_ADDRESS,
  /** Malformed request, value of the wrong type, out of range, step too large. */
  illegal_value: EXC.ILLEGAL_DATA_VALUE,
  /** The ledger could not make the receipt durable (or an internal error): nothing forwarded. */
  device_failure: EXC.SERVER_DEVICE_FAILURE,
  /** Waiting for an approval, or rate limited: retry later. */
  busy: EXC.SERVER_DEVICE_BUSY,
  /** The gateway has no working link to the device (its serial port cannot be opened, no TCP connection can be made). */
  no_path: EXC.GATEWAY_PATH_UNAVAILABLE,
  /** Governance or the broker did not answer in time. */
  unreachable: EXC.GATEWAY_TARGET_FAILED,
  /** The PLC did not answer a forwarded request. */
  plc_unreachable: EXC.GATEWAY_TARGET_FAILED,
  /** No device behind the front has the unit id (as a Modbus gateway answers). */
  unknown_unit: EXC.GATEWAY_TARGET_FAILED,
};

/** The defaults with a profile's overrides applied. */
export function modbusExceptions(overrides: Readonly<Partial<Record<ModbusExceptionClass, number>>> = {}): ModbusExceptionConfig {
  return { ...DEFAULT_MODBUS_EXCEPTIONS, ...overrides };
}
