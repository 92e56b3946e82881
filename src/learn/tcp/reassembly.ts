/**
 * TCP stream reassembly for recorded traffic, one byte stream per direction
 * of each connection: segments are placed by sequence number (32-bit
 * wrap-around, relative to the first sequence number seen), retransmitted
 * bytes are delivered once, out-of-order segments wait until the gap before
 * them fills. A gap that never fills (the capture lost a packet) is reported
 * and skipped at the end, so the reader of the stream can resynchronize.
 */
import type { TcpSegment } from '../capture/link.js';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

export interface StreamSink {
  /** In-order bytes; tsUs/index of the segment that made them deliverable. */
  data(bytes: Buffer, tsUs: number, index: number): void;
  /** Bytes are missing before the next data (lost in the capture). */
  gap(bytes: number): void;
}

export interface ReassemblyStats {
  segments: number;
  retransmittedBytes: number;
  outOfOrderSegments: number;
  gapBytes: number;
}

interface Pending {
  readonly offset: number;
  readonly bytes: Buffer;
  readonly tsUs: number;
  readonly index: number;
}

class Direction {
  private base: number | undefined;
  private next = 0;
  private pending: Pending[] = [];

  constructor(
    readonly sink: StreamSink,
    private readonly stats: ReassemblyStats,
  ) {}

  push(s: TcpSegment): void {
    if (s.syn) {
      this.base = (s.seq + 1) >>> 0;
      this.next = 0;
      this.pending = [];
      if (s.payload.length === 0) return;
    }
    if (s.payload.length === 0) return;
    this.stats.segments++;
    if (this.base === undefined) {
      // no SYN: the capture joined a running connection, maybe mid-frame
      this.base = s.seq;
      this.sink.gap(0);
    }
    const offset = (s.seq - this.base) | 0;
    const start = s.syn ? 0 : offset;
    this.place({ offset: start, bytes: s.payload, tsUs: s.tsUs, index: s.index });
    if (s.missing > 0) this.stats.gapBytes += s.missing;
  }

  private place(p: Pending): void {
    const end = p.offset + p.bytes.length;
    if (end <= this.next) {
      this.stats.retransmittedBytes += p.bytes.length;
      return;
    }
    if (p.offset > this.next) {
      this.stats.outOfOrderSegments++;
      this.pending.push(p);
      return;
    }
    const skip = this.next - p.offset;
    this.stats.retransmittedBytes += skip;
    this.deliver(p.bytes.subarray(skip), p.tsUs, p.index);
    this.drain(p.tsUs, p.index);
  }

  private deliver(bytes: Buffer, tsUs: number, index: number): void {
    this.next += bytes.length;
    this.sink.data(bytes, tsUs, index);
  }

  /** Delivers waiting segments that now touch the stream; they count as arriving with the segment that filled the gap. */
  private drain(tsUs: number, index: number): void {
    for (;;) {
      const i = this.pending.findIndex((q) => q.offset <= this.next);
      if (i < 0) return;
      const [q] = this.pending.splice(i, 1) as [Pending];
      const end = q.offset + q.bytes.length;
      if (end <= this.next) {
        this.stats.retransmittedBytes += q.bytes.length;
        continue;
      }
      this.deliver(q.bytes.subarray(this.next - q.offset), Math.max(tsUs, q.tsUs), Math.max(index, q.index));
    }
  }

  /** End of capture: skip the gaps that never filled, deliver what lies beyond. */
  finish(): void {
    while (this.pending.length > 0) {
      this.pending.sort((a, b) => a.offset - b.offset);
      const first = this.pending[0]!;
      const missing = first.offset - this.next;
      this.stats.gapBytes += missing;
      this.sink.gap(missing);
      this.next = first.offset;
      this.drain(first.tsUs, first.index);
    }
  }
}

export interface Connection {
  readonly a: Endpoint;
  readonly b: Endpoint;
  /** The endpoint that sent the first SYN (without ACK), when the capture holds it. */
  initiator?: Endpoint;
  readonly firstIndex: number;
}

export interface ConnectionHandler {
  /** A new connection (or a reused 4-tuple after a fresh SYN): sinks for a->b and b->a. */
  open(c: Connection): { ab: StreamSink; ba: StreamSink };
}

export function endpointKey(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** Feeds segments of many connections; call finish() at the end of the capture. */
export class Reassembler {
  readonly stats: ReassemblyStats = { segments: 0, retransmittedBytes: 0, outOfOrderSegments: 0, gapBytes: 0 };
  private readonly conns = new Map<string, { c: Connection; ab: Direction; ba: Direction; closed: boolean }>();

  constructor(private readonly handler: ConnectionHandler) {}

  push(s: TcpSegment): void {
    const from: Endpoint = { ip: s.src, port: s.sport };
    const to: Endpoint = { ip: s.dst, port: s.dport };
    const [a, b] = endpointKey(from) < endpointKey(to) ? [from, to] : [to, from];
    const key = `${endpointKey(a)} ${endpointKey(b)}`;
    let entry = this.conns.get(key);
    const freshSyn = s.syn && !s.ack;
    if (entry && freshSyn && entry.closed) {
      entry.ab.finish();
      entry.ba.finish();
      this.conns.delete(key);
      entry = undefined;
    }
    if (!entry) {
      const c: Connection = { a, b, firstIndex: s.index, ...(freshSyn ? { initiator: from } : {}) };
      const sinks = this.handler.open(c);
      entry = { c, ab: new Direction(sinks.ab, this.stats), ba: new Direction(sinks.ba, this.stats), closed: false };
      this.conns.set(key, entry);
    } else if (freshSyn && entry.c.initiator === undefined) {
      entry.c.initiator = from;
    }
    if (s.fin || s.rst) entry.closed = true;
    (endpointKey(from) === endpointKey(a) ? entry.ab : entry.ba).push(s);
  }

  finish(): void {
    for (const e of this.conns.values()) {
      e.ab.finish();
      e.ba.finish();
    }
    this.conns.clear();
  }
}
