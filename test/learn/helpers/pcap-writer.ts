/**
 * A small capture writer for tests and the checked-in fixtures: TCP/IPv4
 * packets on any of the link types the reader supports, written as pcap
 * (either byte order, micro- or nanoseconds) or pcapng (SHB, IDB, EPB, and
 * SPB). It writes what tcpdump cannot be made to produce on demand: out of
 * order segments, retransmissions, several requests in one segment.
 * Independent of src/learn on purpose (built from the format specs).
 */
export interface Packet {
  readonly tsUs: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly flags?: { syn?: boolean; ack?: boolean; fin?: boolean; psh?: boolean };
  readonly payload?: Buffer;
}

export type LinkType = 0 | 1 | 101 | 113 | 276;

function ip4(a: string): Buffer {
  return Buffer.from(a.split('.').map(Number));
}

export function tcpIpv4(p: Packet): Buffer {
  const payload = p.payload ?? Buffer.alloc(0);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(p.sport, 0);
  tcp.writeUInt16BE(p.dport, 2);
  tcp.writeUInt32BE(p.seq >>> 0, 4);
  tcp.writeUInt32BE(0, 8);
  tcp[12] = 5 << 4;
  const f = p.flags ?? { ack: true, psh: payload.length > 0 };
  tcp[13] = (f.fin ? 1 : 0) | (f.syn ? 2 : 0) | (f.psh ? 8 : 0) | (f.ack ? 16 : 0);
  tcp.writeUInt16BE(65535, 14);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  ip4(p.src).copy(ip, 12);
  ip4(p.dst).copy(ip, 16);
  return Buffer.concat([ip, tcp, payload]);
}

export function frame(link: LinkType, p: Packet): Buffer {
  const ip = tcpIpv4(p);
  switch (link) {
    case 1: {
      const eth = Buffer.alloc(14);
      eth.writeUInt16BE(0x0800, 12);
      return Buffer.concat([eth, ip]);
    }
    case 101:
      return ip;
    case 113: {
      const sll = Buffer.alloc(16);
      sll.writeUInt16BE(0, 0);
      sll.writeUInt16BE(772, 2);
      sll.writeUInt16BE(0x0800, 14);
      return Buffer.concat([sll, ip]);
    }
    case 276: {
      const sll2 = Buffer.alloc(20);
      sll2.writeUInt16BE(0x0800, 0);
      sll2.writeUInt16BE(772, 8);
      return Buffer.concat([sll2, ip]);
    }
    case 0: {
      const fam = Buffer.alloc(4);
      fam.writeUInt32LE(2, 0);
      return Buffer.concat([fam, ip]);
    }
  }
}

export function pcap(packets: readonly Packet[], o: { link?: LinkType; bigEndian?: boolean; nano?: boolean } = {}): Buffer {
  const link = o.link ?? 1;
  const be = o.bigEndian ?? false;
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (be) b.writeUInt32BE(v >>> 0);
    else b.writeUInt32LE(v >>> 0);
    return b;
  };
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    if (be) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    return b;
  };
  const parts: Buffer[] = [u32(o.nano ? 0xa1b23c4d : 0xa1b2c3d4), u16(2), u16(4), u32(0), u32(0), u32(262144), u32(link)];
  for (const p of packets) {
    const data = frame(link, p);
    const sec = Math.floor(p.tsUs / 1e6);
    const frac = o.nano ? (p.tsUs % 1e6) * 1000 : p.tsUs % 1e6;
    parts.push(u32(sec), u32(frac), u32(data.length), u32(data.length), data);
  }
  return Buffer.concat(parts);
}

/** pcapng, little-endian; simple: write the packets after the first as Simple Packet Blocks (no timestamps). */
export function pcapng(packets: readonly Packet[], o: { link?: LinkType; nano?: boolean; simple?: boolean } = {}): Buffer {
  const link = o.link ?? 1;
  const block = (type: number, body: Buffer) => {
    const pad = Buffer.alloc((4 - (body.length % 4)) % 4);
    const len = 12 + body.length + pad.length;
    const head = Buffer.alloc(8);
    head.writeUInt32LE(type, 0);
    head.writeUInt32LE(len, 4);
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(len, 0);
    return Buffer.concat([head, body, pad, tail]);
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeUInt16LE(0, 6);
  shb.writeInt32LE(-1, 8);
  shb.writeInt32LE(-1, 12);
  const idbHead = Buffer.alloc(8);
  idbHead.writeUInt16LE(link, 0);
  idbHead.writeUInt32LE(262144, 4);
  // if_tsresol = 9 (nanoseconds) when asked, then opt_endofopt
  const opts = o.nano ? Buffer.from([9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0]) : Buffer.alloc(0);
  const parts: Buffer[] = [block(0x0a0d0d0a, shb), block(1, Buffer.concat([idbHead, opts]))];
  packets.forEach((p, i) => {
    const data = frame(link, p);
    if (o.simple && i > 0) {
      const h = Buffer.alloc(4);
      h.writeUInt32LE(data.length, 0);
      parts.push(block(3, Buffer.concat([h, data])));
      return;
    }
    const ts = o.nano ? BigInt(p.tsUs) * 1000n : BigInt(p.tsUs);
    const h = Buffer.alloc(20);
    h.writeUInt32LE(0, 0);
    h.writeUInt32LE(Number(ts >> 32n), 4);
    h.writeUInt32LE(Number(ts & 0xffffffffn), 8);
    h.writeUInt32LE(data.length, 12);
    h.writeUInt32LE(data.length, 16);
    parts.push(block(6, Buffer.concat([h, data])));
  });
  return Buffer.concat(parts);
}

/** An MBAP ADU. */
export function adu(tid: number, unit: number, pdu: readonly number[]): Buffer {
  const h = Buffer.alloc(7);
  h.writeUInt16BE(tid, 0);
  h.writeUInt16BE(0, 2);
  h.writeUInt16BE(pdu.length + 1, 4);
  h[6] = unit;
  return Buffer.concat([h, Buffer.from(pdu)]);
}

/**
 * A scripted conversation between one client and one PLC: TCP handshake,
 * then request/response byte chunks with sequence numbers tracked; the
 * caller decides how to cut, reorder or repeat the segments.
 */
export class Conversation {
  private cseq: number;
  private sseq: number;
  readonly packets: Packet[] = [];
  constructor(
    readonly client: string,
    readonly cport: number,
    readonly server: string,
    readonly sport: number,
    private tsUs: number,
    isn = { client: 1000, server: 5000 },
  ) {
    this.cseq = isn.client;
    this.sseq = isn.server;
  }

  handshake(): this {
    this.packets.push(this.c(Buffer.alloc(0), { syn: true }));
    this.cseq++;
    this.packets.push(this.s(Buffer.alloc(0), { syn: true, ack: true }));
    this.sseq++;
    this.packets.push(this.c(Buffer.alloc(0), { ack: true }));
    return this;
  }

  /** Client bytes as one segment each (returns the packets, already appended). */
  send(...chunks: Buffer[]): Packet[] {
    return chunks.map((b) => {
      const p = this.c(b, { ack: true, psh: true });
      this.cseq += b.length;
      this.packets.push(p);
      return p;
    });
  }

  reply(...chunks: Buffer[]): Packet[] {
    return chunks.map((b) => {
      const p = this.s(b, { ack: true, psh: true });
      this.sseq += b.length;
      this.packets.push(p);
      return p;
    });
  }

  private c(payload: Buffer, flags: Packet['flags']): Packet {
    this.tsUs += 1000;
    return { tsUs: this.tsUs, src: this.client, dst: this.server, sport: this.cport, dport: this.sport, seq: this.cseq, flags, payload };
  }

  private s(payload: Buffer, flags: Packet['flags']): Packet {
    this.tsUs += 1000;
    return { tsUs: this.tsUs, src: this.server, dst: this.client, sport: this.sport, dport: this.cport, seq: this.sseq, flags, payload };
  }
}
