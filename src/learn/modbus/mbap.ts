/**
 * Splits one direction of a TCP stream into Modbus TCP ADUs: the 7-byte
 * MBAP header (transaction id, protocol id 0, length, unit id) and the PDU
 * (Modbus Messaging on TCP/IP v1.0b, 3.1.3). Several frames per segment and
 * frames split across segments are both normal. Bytes that cannot be MBAP
 * (protocol id not 0, a length outside 2..254) mark the direction as not
 * Modbus; after a gap in the capture the splitter scans for the next
 * plausible header.
 */
export interface Frame {
  readonly tid: number;
  readonly unit: number;
  readonly pdu: Buffer;
  /** Capture time of the segment that completed the frame. */
  readonly tsUs: number;
  readonly index: number;
}

/** MBAP length counts the unit id and the PDU; a PDU is at most 253 bytes (App. Protocol v1.1b3, 4.1). */
const MAX_LENGTH = 254;
/** How far a stream joined mid-way is searched for its first header before it counts as not Modbus. */
const MAX_SCAN = 4096;
const KNOWN_FC = new Set([1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 17, 20, 21, 22, 23, 24, 43]);

export class MbapSplitter {
  readonly frames: Frame[] = [];
  /** Set when the bytes are not Modbus TCP (and nothing more is parsed). */
  invalid: string | undefined;
  bytes = 0;
  resyncs = 0;
  private buf: Buffer = Buffer.alloc(0);
  private resync = false;
  private scanned = 0;

  data(chunk: Buffer, tsUs: number, index: number): void {
    this.bytes += chunk.length;
    if (this.invalid) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.resync && !this.seek()) return;
      if (this.invalid) return;
      if (this.buf.length < 7) return;
      const pid = this.buf.readUInt16BE(2);
      const len = this.buf.readUInt16BE(4);
      if (pid !== 0 || len < 2 || len > MAX_LENGTH) {
        if (this.frames.length === 0) {
          this.invalid = pid !== 0 ? `protocol id ${pid} is not Modbus (0)` : `MBAP length ${len} is outside 2..${MAX_LENGTH}`;
          this.buf = Buffer.alloc(0);
          return;
        }
        this.resync = true;
        this.resyncs++;
        this.buf = this.buf.subarray(1);
        continue;
      }
      if (this.buf.length < 6 + len) return;
      this.frames.push({ tid: this.buf.readUInt16BE(0), unit: this.buf[6]!, pdu: Buffer.from(this.buf.subarray(7, 6 + len)), tsUs, index });
      this.buf = this.buf.subarray(6 + len);
    }
  }

  /** Bytes are missing before what comes next (or the capture joined mid-stream): scan for the next header. */
  gap(): void {
    this.buf = Buffer.alloc(0);
    this.resync = true;
    if (this.frames.length > 0) this.resyncs++;
  }

  private plausible(i: number): boolean {
    const len = this.buf.readUInt16BE(i + 4);
    return this.buf.readUInt16BE(i + 2) === 0 && len >= 2 && len <= MAX_LENGTH && KNOWN_FC.has(this.buf[i + 7]! & 0x7f);
  }

  /** Drops bytes until a plausible MBAP header starts the buffer. */
  private seek(): boolean {
    for (let i = 0; i + 8 <= this.buf.length; i++) {
      if (!this.plausible(i)) continue;
      // Before the first frame (a stream joined mid-way) a header must be followed by the end of the bytes or by another header.
      const next = i + 6 + this.buf.readUInt16BE(i + 4);
      if (this.frames.length === 0 && next !== this.buf.length && !(next + 8 <= this.buf.length && this.plausible(next))) continue;
      this.buf = this.buf.subarray(i);
      this.resync = false;
      return true;
    }
    this.scanned += Math.max(0, this.buf.length - 7);
    if (this.frames.length === 0 && this.scanned > MAX_SCAN) this.invalid = `no MBAP header in the first ${MAX_SCAN} bytes`;
    if (this.buf.length > 8) this.buf = this.buf.subarray(this.buf.length - 7);
    return false;
  }
}
