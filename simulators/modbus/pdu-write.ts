/**
 * Write function codes, Modbus Application Protocol v1.1b3 §6.5, §6.6,
 * §6.11, §6.12, §6.16, §6.17. Every check runs before anything is written,
 * so a refused request leaves the tables untouched.
 */
import { ILLEGAL_DATA_ADDRESS, ILLEGAL_DATA_VALUE } from './exceptions.js';
import type { ModbusMemory } from './memory.js';
import { fail, packRegisters, MAX_READ_REGISTERS } from './pdu-read.js';
import type { PduResult } from './pdu-types.js';

export const MAX_WRITE_COILS = 1968; // §6.11: 0x0001 <= quantity <= 0x07B0
export const MAX_WRITE_REGISTERS = 123; // §6.12: 0x0001 <= quantity <= 0x007B
export const MAX_RW_WRITE_REGISTERS = 121; // §6.17: 0x0001 <= quantity to write <= 0x0079

const COIL_ON = 0xff00;
const COIL_OFF = 0x0000;

/** FC 5 write single coil (§6.5); the response echoes the request. */
export function writeSingleCoil(pdu: Buffer, mem: ModbusMemory): PduResult {
  const fc = pdu[0]!;
  if (pdu.length !== 5) return fail(fc, ILLEGAL_DATA_VALUE);
  const address = pdu.readUInt16BE(1);
  const value = pdu.readUInt16BE(3);
  if (value !== COIL_ON && value !== COIL_OFF) return fail(fc, ILLEGAL_DATA_VALUE); // §6.5: 0x0000 or 0xFF00
  if (!mem.inRange(address, 1)) return fail(fc, ILLEGAL_DATA_ADDRESS); // §6.5
  const bit = value === COIL_ON ? 1 : 0;
  mem.coils[address] = bit;
  return { response: Buffer.from(pdu), write: { fc, table: 'coil', address, values: [bit] } };
}

/** FC 6 write single register (§6.6); the response echoes the request. */
export function writeSingleRegister(pdu: Buffer, mem: ModbusMemory): PduResult {
  const fc = pdu[0]!;
  if (pdu.length !== 5) return fail(fc, ILLEGAL_DATA_VALUE); // §6.6: any value 0x0000..0xFFFF is legal
  const address = pdu.readUInt16BE(1);
  const value = pdu.readUInt16BE(3);
  if (!mem.inRange(address, 1)) return fail(fc, ILLEGAL_DATA_ADDRESS); // §6.6
  mem.holding[address] = value;
  return { response: Buffer.from(pdu), write: { fc, table: 'holding', address, values: [value] } };
}

/** FC 15 write multiple coils (§6.11); bits arrive LSB-first. */
export function writeMultipleCoils(pdu: Buffer, mem: ModbusMemory): PduResult {
  const fc = pdu[0]!;
  if (pdu.length < 6) return fail(fc, ILLEGAL_DATA_VALUE);
  const start = pdu.readUInt16BE(1);
  const quantity = pdu.readUInt16BE(3);
  const byteCount = pdu[5]!;
  // §6.11 state diagram: quantity range AND byte count == ceil(quantity / 8); and the bytes must be there.
  if (quantity < 1 || quantity > MAX_WRITE_COILS || byteCount !== Math.ceil(quantity / 8) || pdu.length !== 6 + byteCount) {
    return fail(fc, ILLEGAL_DATA_VALUE);
  }
  if (!mem.inRange(start, quantity)) return fail(fc, ILLEGAL_DATA_ADDRESS); // §6.11
  const values: number[] = new Array<number>(quantity);
  for (let i = 0; i < quantity; i++) {
    const bit = (pdu[6 + (i >> 3)]! >> (i & 7)) & 1;
    values[i] = bit;
    mem.coils[start + i] = bit;
  }
  return { response: Buffer.from(pdu.subarray(0, 5)), write: { fc, table: 'coil', address: start, values } };
}

/** FC 16 write multiple registers (§6.12). */
export function writeMultipleRegisters(pdu: Buffer, mem: ModbusMemory): PduResult {
  const fc = pdu[0]!;
  if (pdu.length < 6) return fail(fc, ILLEGAL_DATA_VALUE);
  const start = pdu.readUInt16BE(1);
  const quantity = pdu.readUInt16BE(3);
  const byteCount = pdu[5]!;
  // §6.12 state diagram: quantity range AND byte count == quantity * 2; and the bytes must be there.
  if (quantity < 1 || quantity > MAX_WRITE_REGISTERS || byteCount !== quantity * 2 || pdu.length !== 6 + byteCount) {
    return fail(fc, ILLEGAL_DATA_VALUE);
  }
  if (!mem.inRange(start, quantity)) return fail(fc, ILLEGAL_DATA_ADDRESS); // §6.12
  const values = readWords(pdu, 6, quantity);
  mem.holding.set(values, start);
  return { response: Buffer.from(pdu.subarray(0, 5)), write: { fc, table: 'holding', address: start, values } };
}

/** FC 22 mask write register (§6.16): result = (current AND and) OR (or AND NOT and). */
export function maskWriteRegister(pdu: Buffer, mem: ModbusMemory): PduResult {
  const fc = pdu[0]!;
  if (pdu.length !== 7) return fail(fc, ILLEGAL_DATA_VALUE);
  const address = pdu.readUInt16BE(1);
  const andMask = pdu.readUInt16BE(3);
  const orMask = pdu.readUInt16BE(5);
  if (!mem.inRange(address, 1)) return fail(fc, ILLEGAL_DATA_ADDRESS); // §6.16
  const current = mem.holding[address]!;
  const result = ((current & andMask) | (orMask & ~andMask)) & 0xffff; // §6.16 formula
  mem.holding[address] = result;
  return { response: Buffer.from(pdu), write: { fc, table: 'holding', address, values: [result] } };
}

/** FC 23 read/write multiple registers (§6.17): the write is performed before the read. */
export function readWriteMultipleRegisters(pdu: Buffer, mem: ModbusMemory): PduResult {
  const fc = pdu[0]!;
  if (pdu.length < 10) return fail(fc, ILLEGAL_DATA_VALUE);
  const readStart = pdu.readUInt16BE(1);
  const readQuantity = pdu.readUInt16BE(3);
  const writeStart = pdu.readUInt16BE(5);
  const writeQuantity = pdu.readUInt16BE(7);
  const byteCount = pdu[9]!;
  // §6.17 state diagram: read 1..0x7D AND write 1..0x79 AND byte count == write quantity * 2.
  if (
    readQuantity < 1 || readQuantity > MAX_READ_REGISTERS ||
    writeQuantity < 1 || writeQuantity > MAX_RW_WRITE_REGISTERS ||
    byteCount !== writeQuantity * 2 || pdu.length !== 10 + byteCount
  ) {
    return fail(fc, ILLEGAL_DATA_VALUE);
  }
  // §6.17 state diagram: both address ranges must be valid.
  if (!mem.inRange(readStart, readQuantity) || !mem.inRange(writeStart, writeQuantity)) {
    return fail(fc, ILLEGAL_DATA_ADDRESS);
  }
  const values = readWords(pdu, 10, writeQuantity);
  mem.holding.set(values, writeStart); // §6.17: write first ...
  const response = packRegisters(fc, mem.holding, readStart, readQuantity); // ... then read
  return { response, write: { fc, table: 'holding', address: writeStart, values } };
}

function readWords(pdu: Buffer, offset: number, quantity: number): number[] {
  const values: number[] = new Array<number>(quantity);
  for (let i = 0; i < quantity; i++) values[i] = pdu.readUInt16BE(offset + i * 2);
  return values;
}
