/**
 * Classic libpcap files: a 24-byte file header, then records of a 16-byte
 * header and the captured bytes. The magic number says the byte order
 * (a1b2c3d4 as written by the capturing host) and the time resolution
 * (a1b2c3d4 microseconds, a1b23c4d nanoseconds).
 */
import { CaptureError } from './errors.js';
import type { CaptureFile, RawPacket } from './types.js';

const MICRO = 0xa1b2c3d4;
const NANO = 0xa1b23c4d;

export function isPcap(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  const be = buf.readUInt32BE(0);
  const le = buf.readUInt32LE(0);
  return be === MICRO || be === NANO || le === MICRO || le === NANO;
}

export function readPcap(buf: Buffer, name: string): CaptureFile {
  if (buf.length < 24) throw new CaptureError(`${name}: truncated pcap file header (${buf.length} of 24 bytes)`);
  const littleEndian = buf.readUInt32LE(0) === MICRO || buf.readUInt32LE(0) === NANO;
  const u32 = (at: number) => (littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const nano = u32(0) === NANO;
  const linkType = u32(20) & 0x0fffffff; // the upper bits carry FCS flags
  const packets: RawPacket[] = [];
  let at = 24;
  while (at < buf.length) {
    if (at + 16 > buf.length) throw new CaptureError(`${name}: truncated capture: packet ${packets.length + 1} header at byte ${at} needs 16 bytes, ${buf.length - at} left`);
    const sec = u32(at);
    const frac = u32(at + 4);
    const incl = u32(at + 8);
    const orig = u32(at + 12);
    if (incl > 0x4000000) throw new CaptureError(`${name}: corrupt pcap: packet ${packets.length + 1} at byte ${at} claims ${incl} bytes`);
    if (at + 16 + incl > buf.length) {
      throw new CaptureError(`${name}: truncated capture: packet ${packets.length + 1} at byte ${at} needs ${incl} bytes, ${buf.length - at - 16} left`);
    }
    const tsUs = sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac);
    packets.push({ index: packets.length, tsUs, linkType, data: buf.subarray(at + 16, at + 16 + incl), origLen: orig });
    at += 16 + incl;
  }
  return { format: 'pcap', packets };
}
