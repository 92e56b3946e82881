/**
 * Dispatches a request PDU to its function (App. Protocol v1.1b3 §6) and
 * answers an unsupported function code with exception 1 (§7).
 */
import { ILLEGAL_FUNCTION } from './exceptions.js';
import type { ModbusMemory } from './memory.js';
import { fail, readBits, readRegisters } from './pdu-read.js';
import type { PduResult } from './pdu-types.js';
import {
  maskWriteRegister,
  readWriteMultipleRegisters,
  writeMultipleCoils,
  writeMultipleRegisters,
  writeSingleCoil,
  writeSingleRegister,
} from './pdu-write.js';

/** The function codes this simulator implements. */
export const SUPPORTED_FUNCTION_CODES: readonly number[] = [1, 2, 3, 4, 5, 6, 15, 16, 22, 23];

export function handlePdu(pdu: Buffer, mem: ModbusMemory): PduResult {
  const fc = pdu[0]!;
  switch (fc) {
    case 0x01: return readBits(pdu, mem, mem.coils); // §6.1
    case 0x02: return readBits(pdu, mem, mem.discreteInputs); // §6.2
    case 0x03: return readRegisters(pdu, mem, mem.holding); // §6.3
    case 0x04: return readRegisters(pdu, mem, mem.input); // §6.4
    case 0x05: return writeSingleCoil(pdu, mem); // §6.5
    case 0x06: return writeSingleRegister(pdu, mem); // §6.6
    case 0x0f: return writeMultipleCoils(pdu, mem); // §6.11
    case 0x10: return writeMultipleRegisters(pdu, mem); // §6.12
    case 0x16: return maskWriteRegister(pdu, mem); // §6.16
    case 0x17: return readWriteMultipleRegisters(pdu, mem); // §6.17
    default: return fail(fc, ILLEGAL_FUNCTION); // §7 code 01: function code not supported
  }
}
