/**
 * Tag values <-> Modbus registers, per type and word order (ABCD =
 * big-endian, high word first): the profile's rule for what a register span
 * means, shared by the gateway's Modbus front and learn mode.
 */
import { registersFor } from './raw.js';
import type { TagType, WordOrder } from './types.js';

/** Registers a value of this type spans (the profile's rule, src/policy/raw.ts). */
export const registerCount = registersFor;

/** Arrange registers into big-endian byte order (ABCD...) according to the word order. */
function toBigEndian(regs: readonly number[], order: WordOrder): Buffer {
  const words = order === 'CDAB' || order === 'DCBA' ? [...regs].reverse() : [...regs];
  const buf = Buffer.allocUnsafe(words.length * 2);
  words.forEach((w, i) => buf.writeUInt16BE(w & 0xffff, i * 2));
  if (order === 'BADC' || order === 'DCBA') buf.swap16();
  return buf;
}

function fromBigEndian(buf: Buffer, order: WordOrder): number[] {
  const b = Buffer.from(buf);
  if (order === 'BADC' || order === 'DCBA') b.swap16();
  const words: number[] = [];
  for (let i = 0; i < b.length; i += 2) words.push(b.readUInt16BE(i));
  return order === 'CDAB' || order === 'DCBA' ? words.reverse() : words;
}

export function decodeRegisters(type: TagType, order: WordOrder, regs: readonly number[]): number {
  const b = toBigEndian(regs, order);
  switch (type) {
    case 'int16':
      return b.readInt16BE(0);
    case 'uint16':
      return b.readUInt16BE(0);
    case 'int32':
      return b.readInt32BE(0);
    case 'uint32':
      return b.readUInt32BE(0);
    case 'float32':
      return b.readFloatBE(0);
    case 'float64':
      return b.readDoubleBE(0);
    default:
      throw new Error(`type ${type} is not stored in registers`);
  }
}

export function encodeRegisters(type: TagType, order: WordOrder, value: number): number[] {
  const b = Buffer.alloc(registerCount(type) * 2);
  switch (type) {
    case 'int16':
      b.writeInt16BE(value, 0);
      break;
    case 'uint16':
      b.writeUInt16BE(value, 0);
      break;
    case 'int32':
      b.writeInt32BE(value, 0);
      break;
    case 'uint32':
      b.writeUInt32BE(value, 0);
      break;
    case 'float32':
      b.writeFloatBE(value, 0);
      break;
    case 'float64':
      b.writeDoubleBE(value, 0);
      break;
    default:
      throw new Error(`type ${type} is not stored in registers`);
  }
  return fromBigEndian(b, order);
}
