/**
 * MBAP framing for Modbus TCP.
 * Modbus Messaging on TCP/IP Implementation Guide v1.0b, section 3.1.3
 * "MBAP Header description":
 *   transaction id (2) | protocol id (2, always 0) | length (2) | unit id (1)
 * `length` counts the unit id and the PDU; a PDU is at most 253 bytes
 * (Application Protocol v1.1b3 §4.1), so length is 2..254.
 */

export const MBAP_HEADER_LENGTH = 7;
export const MIN_LENGTH_FIELD = 2; // unit id + function code
export const MAX_LENGTH_FIELD = 254; // unit id + 253-byte PDU

export interface MbapFrame {
  readonly transactionId: number;
  readonly unitId: number;
  /** Function code and data; a view into the received bytes, copy before keeping. */
  readonly pdu: Buffer;
}

/** Why a byte stream cannot be framed any more; the connection must be closed. */
export type FramingError = 'bad_protocol_id' | 'bad_length';

export interface PushResult {
  readonly frames: MbapFrame[];
  readonly error?: FramingError;
}

const EMPTY = Buffer.alloc(0);

/**
 * Turns a TCP byte stream into MBAP frames. Keeps a partial frame between
 * chunks and returns every complete frame of a chunk, in order.
 */
export class MbapReader {
  private pending: Buffer = EMPTY;
  private broken: FramingError | undefined;

  push(chunk: Buffer): PushResult {
    if (this.broken !== undefined) return { frames: [], error: this.broken };
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: MbapFrame[] = [];
    let offset = 0;
    while (buf.length - offset >= 4) {
      // Impl. Guide §3.1.3: protocol identifier 0 = MODBUS protocol; anything else is not ours.
      if (buf.readUInt16BE(offset + 2) !== 0) return this.fail('bad_protocol_id', frames);
      if (buf.length - offset < 6) break;
      const length = buf.readUInt16BE(offset + 4);
      // Impl. Guide §3.1.3 + App. Protocol §4.1: length 2..254; a bad length cannot be resynchronised.
      if (length < MIN_LENGTH_FIELD || length > MAX_LENGTH_FIELD) return this.fail('bad_length', frames);
      const end = offset + 6 + length;
      if (buf.length < end) break;
      frames.push({
        transactionId: buf.readUInt16BE(offset),
        unitId: buf[offset + 6]!,
        pdu: buf.subarray(offset + MBAP_HEADER_LENGTH, end),
      });
      offset = end;
    }
    this.pending = offset === buf.length ? EMPTY : Buffer.from(buf.subarray(offset));
    return { frames };
  }

  private fail(error: FramingError, frames: MbapFrame[]): PushResult {
    this.broken = error;
    this.pending = EMPTY;
    return { frames, error };
  }
}

/** Builds a response ADU; the transaction id and unit id are echoed (Impl. Guide §3.1.3). */
export function encodeMbap(transactionId: number, unitId: number, pdu: Buffer): Buffer {
  const out = Buffer.allocUnsafe(MBAP_HEADER_LENGTH + pdu.length);
  out.writeUInt16BE(transactionId & 0xffff, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt16BE(pdu.length + 1, 4);
  out[6] = unitId & 0xff;
  pdu.copy(out, MBAP_HEADER_LENGTH);
  return out;
}
