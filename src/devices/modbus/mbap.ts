/**
 * MBAP framing (Modbus Messaging on TCP/IP Implementation Guide v1.0b, 3.1.3):
 * transaction id (2) | protocol id (2, always 0) | length (2: unit id + PDU) |
 * unit id (1) | PDU. A stream may carry partial and pipelined frames.
 */
export const MBAP_HEADER_BYTES = 7;
/** 1.0b 4.2: a PDU is at most 253 bytes, so length (unit + PDU) is at most 254. */
export const MAX_LENGTH_FIELD = 254;

export interface Frame {
  readonly tid: number;
  readonly unit: number;
  readonly pdu: Buffer;
  /** The whole frame as received (forwarded byte for byte). */
  readonly raw: Buffer;
}

export type FramingError = { readonly error: 'bad_protocol_id' | 'bad_length'; readonly detail: string };

/** Accumulates bytes from one connection and yields whole frames. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Returns complete frames; a framing error means the stream cannot be resynchronised (close it). */
  push(chunk: Buffer): { frames: Frame[]; error?: FramingError } {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Frame[] = [];
    while (this.buffer.length >= MBAP_HEADER_BYTES) {
      const protocolId = this.buffer.readUInt16BE(2);
      const length = this.buffer.readUInt16BE(4);
      // 1.0b 3.1.3: protocol identifier 0 = MODBUS protocol.
      if (protocolId !== 0) return { frames, error: { error: 'bad_protocol_id', detail: `protocol id ${protocolId}, expected 0` } };
      // length counts unit id + PDU: at least unit + function code, at most 254.
      if (length < 2 || length > MAX_LENGTH_FIELD) return { frames, error: { error: 'bad_length', detail: `MBAP length ${length} outside 2..${MAX_LENGTH_FIELD}` } };
      const total = 6 + length;
      if (this.buffer.length < total) break;
      const raw = this.buffer.subarray(0, total);
      frames.push({ tid: raw.readUInt16BE(0), unit: raw[6]!, pdu: raw.subarray(7), raw });
      this.buffer = this.buffer.subarray(total);
    }
    if (this.buffer.length === 0) this.buffer = Buffer.alloc(0);
    return { frames };
  }

  get pending(): number {
    return this.buffer.length;
  }
}

export function encodeFrame(tid: number, unit: number, pdu: Buffer): Buffer {
  const out = Buffer.allocUnsafe(MBAP_HEADER_BYTES + pdu.length);
  out.writeUInt16BE(tid & 0xffff, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt16BE(pdu.length + 1, 4);
  out[6] = unit & 0xff;
  pdu.copy(out, 7);
  return out;
}

/** Modbus Application Protocol v1.1b3, 7: exception response = FC | 0x80, exception code. */
export function exceptionFrame(tid: number, unit: number, fc: number, code: number): Buffer {
  return encodeFrame(tid, unit, Buffer.from([(fc | 0x80) & 0xff, code & 0xff]));
}
