/**
 * A byte-level MQTT framing guard in front of aedes.
 *
 * aedes has no maximum packet size: its parser (mqtt-packet) buffers a packet
 * until the length announced in the fixed header has arrived, so one client
 * announcing 256 MB can make the broker hold 256 MB. This guard reads only the
 * fixed headers (MQTT 3.1.1 2.2) as bytes stream past and cuts the connection
 * the moment a header announces more than `maxPacketBytes`, or is malformed,
 * before the body is buffered anywhere.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export type FrameVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Incremental fixed-header scanner. Pure state machine: feed chunks, get a verdict. */
export class FrameScanner {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private readonly maxPacketBytes: number) {}

  feed(chunk: Uint8Array): FrameVerdict {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const skip = Math.min(this.remaining, chunk.length - i);
        i += skip;
        this.remaining -= skip;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.state === 'type') {
        const type = byte >> 4;
        // MQTT 3.1.1 2.2.1: control packet types 0 and 15 are reserved
        if (type === 0 || type === 15) return { ok: false, reason: `reserved control packet type ${type}` };
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      // state 'length': MQTT 3.1.1 2.2.3 variable byte integer, at most 4 bytes
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return { ok: false, reason: 'malformed remaining length (more than 4 bytes)' };
        continue;
      }
      const total = 1 + this.lengthBytes + this.length;
      if (total > this.maxPacketBytes) return { ok: false, reason: `packet of ${total} bytes exceeds the ${this.maxPacketBytes}-byte limit` };
      this.remaining = this.length;
      this.state = this.remaining > 0 ? 'body' : 'type';
    }
    return { ok: true };
  }
}

/**
 * Wrap a socket: reads pass through a FrameScanner, writes go straight to the
 * socket. On a violation `onViolation` is told why and both ends are destroyed.
 */
export function guardSocket(socket: Socket, maxPacketBytes: number, onViolation: (reason: string) => void): Duplex {
  const scanner = new FrameScanner(maxPacketBytes);
  const guarded: Duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    // mqtt-packet writes one packet as several small chunks: send them as one segment
    writev(chunks, cb) {
      socket.write(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk as Buffer)), cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    const verdict = scanner.feed(chunk);
    if (!verdict.ok) {
      onViolation(verdict.reason);
      socket.destroy();
      guarded.destroy(new Error(verdict.reason));
      return;
    }
    if (!guarded.push(chunk)) socket.pause();
  });
  socket.on('end', () => guarded.push(null));
  socket.on('error', (err) => guarded.destroy(err));
  socket.on('close', () => {
    if (!guarded.destroyed) guarded.destroy();
  });
  return guarded;
}
