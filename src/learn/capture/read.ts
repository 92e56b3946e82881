/** Opens a capture file of either format and says clearly when it is neither. */
import { readFileSync } from 'node:fs';
import { CaptureError } from './errors.js';
import { isPcap, readPcap } from './pcap.js';
import { isPcapng, readPcapng } from './pcapng.js';
import type { CaptureFile } from './types.js';

export function readCaptureFile(path: string): CaptureFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CaptureError(`${path}: cannot read capture: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return parseCapture(buf, path);
}

export function parseCapture(buf: Buffer, name: string): CaptureFile {
  if (isPcapng(buf)) return readPcapng(buf, name);
  if (isPcap(buf)) return readPcap(buf, name);
  const magic = buf.length >= 4 ? `0x${buf.subarray(0, 4).toString('hex')}` : `${buf.length} bytes`;
  throw new CaptureError(`${name}: not a pcap or pcapng capture (starts with ${magic})`);
}
