/**
 * Read function codes, Modbus Application Protocol v1.1b3 §6.1-§6.4.
 * Checks follow each function's state diagram: quantity (exception 3),
 * then address + quantity (exception 2).
 */
import { ILLEGAL_DATA_ADDRESS, ILLEGAL_DATA_VALUE, exceptionPdu } from './exceptions.js';
import type { ModbusMemory } from './memory.js';
import type { PduResult } from './pdu-types.js';

export const MAX_READ_BITS = 2000; // §6.1, §6.2: 0x0001 <= quantity <= 0x07D0
export const MAX_READ_REGISTERS = 125; // §6.3, §6.4: 0x0001 <= quantity <= 0x007D

export function fail(fc: number, code: number): PduResult {
  return { response: exceptionPdu(fc, code), exception: code };
}

/** Packs bits LSB-first, first bit in the first byte, zero padded (§6.1 response). */
export function packBits(fc: number, table: Uint8Array, start: number, quantity: number): Buffer {
  const byteCount = Math.ceil(quantity / 8);
  const out = Buffer.alloc(2 + byteCount);
  out[0] = fc;
  out[1] = byteCount;
  for (let i = 0; i < quantity; i++) {
    if (table[start + i]) out[2 + (i >> 3)]! |= 1 << (i & 7);
  }
  return out;
}

/** Registers as byte count + big-endian words (§6.3 response, §4.2 data encoding). */
export function packRegisters(fc: number, table: Uint16Array, start: number, quantity: number): Buffer {
  const out = Buffer.allocUnsafe(2 + quantity * 2);
  out[0] = fc;
  out[1] = quantity * 2;
  for (let i = 0; i < quantity; i++) out.writeUInt16BE(table[start + i]!, 2 + i * 2);
  return out;
}

/** FC 1 read coils (§6.1) and FC 2 read discrete inputs (§6.2). */
export function readBits(pdu: Buffer, mem: ModbusMemory, table: Uint8Array): PduResult {
  const fc = pdu[0]!;
  if (pdu.length !== 5) return fail(fc, ILLEGAL_DATA_VALUE); // malformed request: illegal data value
  const start = pdu.readUInt16BE(1);
  const quantity = pdu.readUInt16BE(3);
  if (quantity < 1 || quantity > MAX_READ_BITS) return fail(fc, ILLEGAL_DATA_VALUE); // §6.1/§6.2 state diagram
  if (!mem.inRange(start, quantity)) return fail(fc, ILLEGAL_DATA_ADDRESS); // §6.1/§6.2 state diagram
  return { response: packBits(fc, table, start, quantity) };
}

/** FC 3 read holding registers (§6.3) and FC 4 read input registers (§6.4). */
export function readRegisters(pdu: Buffer, mem: ModbusMemory, table: Uint16Array): PduResult {
  const fc = pdu[0]!;
  if (pdu.length !== 5) return fail(fc, ILLEGAL_DATA_VALUE);
  const start = pdu.readUInt16BE(1);
  const quantity = pdu.readUInt16BE(3);
  if (quantity < 1 || quantity > MAX_READ_REGISTERS) return fail(fc, ILLEGAL_DATA_VALUE); // §6.3/§6.4
  if (!mem.inRange(start, quantity)) return fail(fc, ILLEGAL_DATA_ADDRESS); // §6.3/§6.4
  return { response: packRegisters(fc, table, start, quantity) };
}
