/**
 * Modbus exception codes (Modbus Application Protocol v1.1b3, section 7) and
 * what the gateway answers for each kind of refusal. Modbus has no "access
 * denied" code; the defaults below are configurable (profile
 * gateway.modbus_exceptions) and documented in docs/refusal-codes.md.
 */
export const EXC = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  SERVER_DEVICE_FAILURE: 0x04,
  SERVER_DEVICE_BUSY: 0x06,
  GATEWAY_PATH_UNAVAILABLE: 0x0a,
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

export interface ModbusExceptionConfig {
  /** Refused by policy or TAO verification. Default 0x01 illegal function. */
  readonly refused: number;
  /** Governance (or the ledger) did not answer in time: fail closed. Default 0x0B. */
  readonly timeout: number;
  /** The request itself is malformed. Default 0x03 illegal data value. */
  readonly illegal_value: number;
  /** The PLC did not answer a forwarded request. Default 0x0B. */
  readonly plc_unreachable: number;
}

export const DEFAULT_MODBUS_EXCEPTIONS: ModbusExceptionConfig = {
  refused: EXC.ILLEGAL_FUNCTION,
  timeout: EXC.GATEWAY_TARGET_FAILED,
  illegal_value: EXC.ILLEGAL_DATA_VALUE,
  plc_unreachable: EXC.GATEWAY_TARGET_FAILED,
};
