/**
 * Register words -> numbers for a tag type and word order (ABCD =
 * big-endian, high word first), as the gateway reads them. The learner
 * cannot import the gateway (dependencies point one way), so this small
 * decoder lives here; test/learn checks it against the policy's examples.
 */
import type { TagType, WordOrder } from '../policy/types.js';

export const WORD_ORDERS: readonly WordOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];

export function decodeWords(type: TagType, order: WordOrder, words: readonly number[]): number {
  const ordered = order === 'CDAB' || order === 'DCBA' ? [...words].reverse() : [...words];
  const b = Buffer.alloc(ordered.length * 2);
  ordered.forEach((w, i) => b.writeUInt16BE(w & 0xffff, i * 2));
  if (order === 'BADC' || order === 'DCBA') b.swap16();
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

export function wordsFor(type: TagType): number {
  return type === 'float64' ? 4 : type === 'int32' || type === 'uint32' || type === 'float32' ? 2 : 1;
}
