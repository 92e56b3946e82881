/**
 * Modbus RTU framing (Modbus over serial line v1.02, 2.5.1): address (1) |
 * PDU | CRC (2, low byte first). RTU has no length field: the length of an
 * answer follows from its function code (Application Protocol v1.1b3, 6.x),
 * and only for answers whose length a code does not fix (FC 43) does the
 * reader fall back to the line going silent.
 */
import { crc16, crcOk } from './crc.js';

export function encodeRtu(unit: number, pdu: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(pdu.length + 3);
  out[0] = unit & 0xff;
  out.set(pdu, 1);
  const crc = crc16(out, 0, pdu.length + 1);
  out[pdu.length + 1] = crc & 0xff;
  out[pdu.length + 2] = crc >>> 8;
  return out;
}

/**
 * Total length in bytes (address and CRC included) of a response frame that
 * starts with these bytes; 'more' when more bytes are needed to tell;
 * 'unknown' when the function code does not fix it.
 */
export function responseLength(buf: Uint8Array): number | 'more' | 'unknown' {
  if (buf.length < 2) return 'more';
  const fc = buf[1]!;
  if (fc & 0x80) return 5; // v1.1b3 7: address, fc | 0x80, exception code, CRC
  switch (fc) {
    case 1: case 2: case 3: case 4: case 12: case 17: case 20: case 23: // byte count, then data
      return buf.length < 3 ? 'more' : 5 + buf[2]!;
    case 5: case 6: case 11: case 15: case 16: // echo of address/quantity (6.5, 6.6, 6.9, 6.11, 6.12)
      return 8;
    case 7: // 6.7: one status byte
      return 5;
    case 22: // 6.16: echo of address, AND mask, OR mask
      return 10;
    case 24: // 6.18: 2-byte byte count
      return buf.length < 4 ? 'more' : 6 + ((buf[2]! << 8) | buf[3]!);
    default:
      return 'unknown';
  }
}

export type RtuAnswer = { readonly ok: true; readonly unit: number; readonly pdu: Buffer } | { readonly ok: false; readonly reason: string };

/** Checks a complete response frame and takes out the PDU. */
export function decodeRtu(frame: Buffer): RtuAnswer {
  if (frame.length < 4) return { ok: false, reason: `frame of ${frame.length} bytes is too short` };
  if (!crcOk(frame)) return { ok: false, reason: 'CRC mismatch' };
  return { ok: true, unit: frame[0]!, pdu: Buffer.from(frame.subarray(1, frame.length - 2)) };
}
