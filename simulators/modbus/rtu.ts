/**
 * Modbus RTU framing for the simulator (Modbus over serial line v1.02,
 * 2.5.1): address | PDU | CRC-16 (low byte first). The simulator imports
 * nothing from src/, so it has its own small codec. A request's length
 * follows from its function code (App. Protocol v1.1b3 §6); bytes of an
 * unknown function end at the line going silent.
 */

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** CRC-16/MODBUS: reflected polynomial 0xA001, initial 0xFFFF. */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}

export function encodeRtu(unit: number, pdu: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(pdu.length + 3);
  out[0] = unit & 0xff;
  out.set(pdu, 1);
  const crc = crc16(out, 0, pdu.length + 1);
  out[pdu.length + 1] = crc & 0xff;
  out[pdu.length + 2] = crc >>> 8;
  return out;
}

export function crcOk(frame: Uint8Array): boolean {
  if (frame.length < 4) return false;
  const crc = crc16(frame, 0, frame.length - 2);
  return frame[frame.length - 2] === (crc & 0xff) && frame[frame.length - 1] === crc >>> 8;
}

/** Total length of a request frame starting with these bytes; 'more' to tell; 'unknown' for other codes. */
export function requestLength(buf: Uint8Array): number | 'more' | 'unknown' {
  if (buf.length < 2) return 'more';
  switch (buf[1]) {
    case 1: case 2: case 3: case 4: case 5: case 6: // §6.1-6.6: address, quantity/value
      return 8;
    case 15: case 16: // §6.11, 6.12: address, quantity, byte count, data
      return buf.length < 7 ? 'more' : 9 + buf[6]!;
    case 22: // §6.16: address, AND mask, OR mask
      return 10;
    case 23: // §6.17: read address/quantity, write address/quantity, byte count, data
      return buf.length < 11 ? 'more' : 13 + buf[10]!;
    default:
      return 'unknown';
  }
}

/**
 * Turns an RTU byte stream into frames. `push` returns complete frames with
 * a good CRC; a frame with a bad CRC is dropped (a real slave stays silent)
 * and counted. Bytes of an unknown function code wait for `flush()`, which
 * the caller runs after the line has been silent for a few character times.
 */
export class RtuRequestReader {
  private buf: Buffer = Buffer.alloc(0);
  crcErrors = 0;

  push(chunk: Buffer): { frames: Buffer[]; waiting: boolean } {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const frames: Buffer[] = [];
    for (;;) {
      const need = requestLength(this.buf);
      if (need === 'more') return { frames, waiting: this.buf.length > 0 };
      if (need === 'unknown') return { frames, waiting: true };
      if (this.buf.length < need) return { frames, waiting: true };
      const frame = this.buf.subarray(0, need);
      this.buf = this.buf.subarray(need);
      if (crcOk(frame)) frames.push(Buffer.from(frame));
      else {
        this.crcErrors++;
        this.buf = Buffer.alloc(0); // lost sync: wait for the next silence-delimited frame
      }
    }
  }

  /** After silence: whatever is buffered is one frame (or noise). */
  flush(): Buffer | undefined {
    const frame = this.buf;
    this.buf = Buffer.alloc(0);
    if (frame.length === 0) return undefined;
    if (crcOk(frame)) return Buffer.from(frame);
    this.crcErrors++;
    return undefined;
  }
}
