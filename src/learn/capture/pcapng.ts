/**
 * pcapng files (draft-ietf-opsawg-pcapng): a sequence of blocks
 * (type, total length, body, total length). Read here: Section Header
 * (byte order per section), Interface Description (link type, snap length,
 * if_tsresol), Enhanced Packet, Simple Packet and the obsolete Packet block.
 * Other blocks (name resolution, statistics, custom) are skipped.
 */
import { CaptureError } from './errors.js';
import type { CaptureFile, RawPacket } from './types.js';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const PB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_IF_TSRESOL = 9;

interface Interface {
  readonly linkType: number;
  readonly snapLen: number;
  /** Timestamp units per second. */
  readonly unitsPerSecond: number;
}

export function isPcapng(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32BE(0) === SHB;
}

export function readPcapng(buf: Buffer, name: string): CaptureFile {
  const packets: RawPacket[] = [];
  let interfaces: Interface[] = [];
  let le = true;
  let at = 0;
  while (at < buf.length) {
    if (at + 12 > buf.length) throw new CaptureError(`${name}: truncated capture: block at byte ${at} needs at least 12 bytes, ${buf.length - at} left`);
    const rawType = buf.readUInt32LE(at);
    if (rawType === SHB) {
      if (at + 12 > buf.length) throw new CaptureError(`${name}: truncated section header at byte ${at}`);
      const magicLe = buf.readUInt32LE(at + 8);
      if (magicLe === BYTE_ORDER_MAGIC) le = true;
      else if (buf.readUInt32BE(at + 8) === BYTE_ORDER_MAGIC) le = false;
      else throw new CaptureError(`${name}: corrupt pcapng: bad byte-order magic in the section header at byte ${at}`);
      interfaces = [];
    }
    const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const type = u32(at);
    const len = u32(at + 4);
    if (len < 12 || len % 4 !== 0) throw new CaptureError(`${name}: corrupt pcapng: block at byte ${at} has length ${len}`);
    if (at + len > buf.length) throw new CaptureError(`${name}: truncated capture: block at byte ${at} needs ${len} bytes, ${buf.length - at} left`);
    if (u32(at + len - 4) !== len) throw new CaptureError(`${name}: corrupt pcapng: block at byte ${at} has mismatched lengths`);
    const body = at + 8;
    const bodyEnd = at + len - 4;
    const where = () => `${name}: corrupt pcapng: block at byte ${at}`;
    switch (type) {
      case IDB: {
        if (bodyEnd - body < 8) throw new CaptureError(`${where()}: interface description too short`);
        interfaces.push({ linkType: u16(body), snapLen: u32(body + 4), unitsPerSecond: tsResolution(buf, body + 8, bodyEnd, u16) });
        break;
      }
      case EPB:
      case PB: {
        if (bodyEnd - body < 20) throw new CaptureError(`${where()}: packet block too short`);
        const ifId = type === EPB ? u32(body) : u16(body);
        const iface = interfaces[ifId];
        if (!iface) throw new CaptureError(`${where()}: packet names interface ${ifId}, which was not described`);
        const ts = (BigInt(u32(body + 4)) << 32n) | BigInt(u32(body + 8));
        const capLen = u32(body + 12);
        const origLen = u32(body + 16);
        if (body + 20 + capLen > bodyEnd) throw new CaptureError(`${where()}: packet data runs past the block`);
        packets.push({ index: packets.length, tsUs: toMicros(ts, iface.unitsPerSecond), linkType: iface.linkType, data: buf.subarray(body + 20, body + 20 + capLen), origLen });
        break;
      }
      case SPB: {
        const iface = interfaces[0];
        if (!iface) throw new CaptureError(`${where()}: simple packet before any interface description`);
        const origLen = u32(body);
        const capLen = Math.min(origLen, bodyEnd - body - 4, iface.snapLen || Infinity);
        // Simple packets carry no timestamp: they sort after the packet before them.
        const prev = packets[packets.length - 1]?.tsUs ?? 0;
        packets.push({ index: packets.length, tsUs: prev, linkType: iface.linkType, data: buf.subarray(body + 4, body + 4 + capLen), origLen });
        break;
      }
      default:
        break;
    }
    at += len;
  }
  return { format: 'pcapng', packets };
}

/** if_tsresol: bit 7 clear = 10^-n seconds, set = 2^-n seconds; default microseconds. */
function tsResolution(buf: Buffer, at: number, end: number, u16: (o: number) => number): number {
  while (at + 4 <= end) {
    const code = u16(at);
    const len = u16(at + 2);
    if (code === 0) break;
    if (code === OPT_IF_TSRESOL && len >= 1) {
      const v = buf[at + 4]!;
      return v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
    }
    at += 4 + Math.ceil(len / 4) * 4;
  }
  return 1e6;
}

/** Exact integer arithmetic: nanosecond timestamps need 61 bits, more than a double holds. */
function toMicros(ts: bigint, unitsPerSecond: number): number {
  return Number((ts * 1_000_000n) / BigInt(unitsPerSecond));
}
