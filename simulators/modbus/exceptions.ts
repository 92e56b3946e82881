/**
 * Modbus exception codes used by the simulator.
 * Modbus Application Protocol v1.1b3, section 7 "MODBUS Exception Responses".
 */
export const ILLEGAL_FUNCTION = 0x01;
export const ILLEGAL_DATA_ADDRESS = 0x02;
export const ILLEGAL_DATA_VALUE = 0x03;
export const SERVER_DEVICE_FAILURE = 0x04;
/** 0x0B: gateway target device failed to respond (§7); used for requests to another unit id. */
export const GATEWAY_TARGET_FAILED = 0x0b;

/** An exception response PDU: the function code with its high bit set, then the code (§7). */
export function exceptionPdu(functionCode: number, code: number): Buffer {
  return Buffer.from([(functionCode | 0x80) & 0xff, code]);
}
