/**
 * From a captured frame to a TCP segment: link layer (Ethernet with VLAN
 * tags, raw IP, Linux cooked v1/v2, BSD loopback), then IPv4 or IPv6, then
 * TCP. Anything else (ARP, UDP, IP fragments) yields undefined.
 */
import type { RawPacket } from './types.js';

export const LINKTYPE = { null: 0, ethernet: 1, raw: 101, loop: 108, linuxSll: 113, linuxSll2: 276, rawAlt: 12 } as const;

export interface TcpSegment {
  readonly index: number;
  readonly tsUs: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly syn: boolean;
  readonly ack: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly payload: Buffer;
  /** Payload bytes the snap length cut off. */
  readonly missing: number;
}

export type Decoded = { readonly kind: 'tcp'; readonly segment: TcpSegment } | { readonly kind: 'other' } | { readonly kind: 'unsupported_link'; readonly linkType: number };

export function decodePacket(p: RawPacket): Decoded {
  const ip = ipPayload(p);
  if (ip === 'unsupported') return { kind: 'unsupported_link', linkType: p.linkType };
  if (!ip) return { kind: 'other' };
  const version = ip[0]! >> 4;
  const segment = version === 4 ? ipv4(ip, p) : version === 6 ? ipv6(ip, p) : undefined;
  return segment ? { kind: 'tcp', segment } : { kind: 'other' };
}

function ipPayload(p: RawPacket): Buffer | undefined | 'unsupported' {
  const d = p.data;
  switch (p.linkType) {
    case LINKTYPE.ethernet: {
      let at = 12;
      if (d.length < 14) return undefined;
      let type = d.readUInt16BE(at);
      while ((type === 0x8100 || type === 0x88a8) && d.length >= at + 6) {
        at += 4;
        type = d.readUInt16BE(at);
      }
      return type === 0x0800 || type === 0x86dd ? d.subarray(at + 2) : undefined;
    }
    case LINKTYPE.raw:
    case LINKTYPE.rawAlt:
      return d;
    case LINKTYPE.linuxSll:
      if (d.length < 16) return undefined;
      return isIpEtherType(d.readUInt16BE(14)) ? d.subarray(16) : undefined;
    case LINKTYPE.linuxSll2:
      if (d.length < 20) return undefined;
      return isIpEtherType(d.readUInt16BE(0)) ? d.subarray(20) : undefined;
    case LINKTYPE.null:
    case LINKTYPE.loop: {
      if (d.length < 4) return undefined;
      // DLT_NULL: the address family in the capturing host's byte order; DLT_LOOP: network order.
      const family = p.linkType === LINKTYPE.loop ? d.readUInt32BE(0) : d.readUInt32LE(0) < 256 ? d.readUInt32LE(0) : d.readUInt32BE(0);
      return family === 2 || family === 24 || family === 28 || family === 30 ? d.subarray(4) : undefined;
    }
    default:
      return 'unsupported';
  }
}

function isIpEtherType(t: number): boolean {
  return t === 0x0800 || t === 0x86dd;
}

function ipv4(ip: Buffer, p: RawPacket): TcpSegment | undefined {
  if (ip.length < 20) return undefined;
  const ihl = (ip[0]! & 0x0f) * 4;
  const total = ip.readUInt16BE(2);
  const fragment = ip.readUInt16BE(6);
  if ((fragment & 0x3fff) !== 0) return undefined; // a fragment (more fragments or an offset): not reassembled
  if (ip[9] !== 6 || ihl < 20) return undefined;
  const src = [...ip.subarray(12, 16)].join('.');
  const dst = [...ip.subarray(16, 20)].join('.');
  const end = Math.min(ip.length, total || ip.length);
  return tcp(ip.subarray(ihl, end), src, dst, p, Math.max(0, total - ip.length));
}

const IPV6_EXTENSIONS = new Set([0, 43, 60]);

function ipv6(ip: Buffer, p: RawPacket): TcpSegment | undefined {
  if (ip.length < 40) return undefined;
  let next = ip[6]!;
  const payloadLen = ip.readUInt16BE(4);
  let at = 40;
  while (IPV6_EXTENSIONS.has(next) && ip.length >= at + 8) {
    next = ip[at]!;
    at += (ip[at + 1]! + 1) * 8;
  }
  if (next !== 6) return undefined;
  const end = Math.min(ip.length, 40 + payloadLen);
  return tcp(ip.subarray(at, end), v6(ip.subarray(8, 24)), v6(ip.subarray(24, 40)), p, Math.max(0, 40 + payloadLen - ip.length));
}

function v6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  const s = groups.join(':');
  const v4mapped = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(s);
  if (v4mapped) {
    const a = parseInt(v4mapped[1]!, 16);
    const c = parseInt(v4mapped[2]!, 16);
    return `${a >> 8}.${a & 0xff}.${c >> 8}.${c & 0xff}`;
  }
  return s.replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

function tcp(t: Buffer, src: string, dst: string, p: RawPacket, missing: number): TcpSegment | undefined {
  if (t.length < 20) return undefined;
  const offset = (t[12]! >> 4) * 4;
  if (offset < 20 || offset > t.length) return undefined;
  const flags = t[13]!;
  return {
    index: p.index,
    tsUs: p.tsUs,
    src,
    dst,
    sport: t.readUInt16BE(0),
    dport: t.readUInt16BE(2),
    seq: t.readUInt32BE(4),
    fin: (flags & 0x01) !== 0,
    syn: (flags & 0x02) !== 0,
    rst: (flags & 0x04) !== 0,
    ack: (flags & 0x10) !== 0,
    payload: t.subarray(offset),
    missing,
  };
}
