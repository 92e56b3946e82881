/**
 * Decoding of the Modbus PDUs that matter for learning (Modbus Application
 * Protocol v1.1b3, section 6): reads of the four tables (FC 1-4) and the
 * writes (FC 5, 6, 15, 16, 22, 23). Everything else decodes as 'other'.
 */
export type Table = 'coil' | 'discrete' | 'holding' | 'input';

export type Request =
  | { readonly kind: 'read'; readonly fc: number; readonly table: Table; readonly start: number; readonly count: number }
  | { readonly kind: 'write'; readonly fc: number; readonly table: 'coil' | 'holding'; readonly start: number; readonly values: readonly number[]; readonly read?: { readonly start: number; readonly count: number } }
  | { readonly kind: 'mask'; readonly fc: 22; readonly table: 'holding'; readonly start: number; readonly and: number; readonly or: number }
  | { readonly kind: 'other'; readonly fc: number; readonly why?: string };

export type Response =
  | { readonly kind: 'exception'; readonly fc: number; readonly code: number }
  | { readonly kind: 'values'; readonly fc: number; readonly values: readonly number[] }
  | { readonly kind: 'ack'; readonly fc: number }
  | { readonly kind: 'other'; readonly fc: number };

const READ_TABLE: Record<number, Table> = { 1: 'coil', 2: 'discrete', 3: 'holding', 4: 'input' };

export function decodeRequest(pdu: Buffer): Request {
  const fc = pdu[0] ?? 0;
  const bad = (why: string): Request => ({ kind: 'other', fc, why });
  const u16 = (at: number) => pdu.readUInt16BE(at);
  switch (fc) {
    case 1:
    case 2:
    case 3:
    case 4:
      if (pdu.length !== 5) return bad(`FC ${fc} request of ${pdu.length} bytes`);
      return { kind: 'read', fc, table: READ_TABLE[fc]!, start: u16(1), count: u16(3) };
    case 5:
      if (pdu.length !== 5) return bad('FC 5 request length');
      if (u16(3) !== 0xff00 && u16(3) !== 0) return bad(`FC 5 value 0x${u16(3).toString(16)} is neither ON nor OFF`);
      return { kind: 'write', fc, table: 'coil', start: u16(1), values: [u16(3) === 0xff00 ? 1 : 0] };
    case 6:
      if (pdu.length !== 5) return bad('FC 6 request length');
      return { kind: 'write', fc, table: 'holding', start: u16(1), values: [u16(3)] };
    case 15: {
      if (pdu.length < 6) return bad('FC 15 request length');
      const count = u16(3);
      const bytes = pdu[5]!;
      if (bytes !== Math.ceil(count / 8) || pdu.length !== 6 + bytes) return bad('FC 15 byte count');
      const values: number[] = [];
      for (let i = 0; i < count; i++) values.push((pdu[6 + (i >> 3)]! >> (i & 7)) & 1);
      return { kind: 'write', fc, table: 'coil', start: u16(1), values };
    }
    case 16: {
      if (pdu.length < 6) return bad('FC 16 request length');
      const count = u16(3);
      if (pdu[5] !== count * 2 || pdu.length !== 6 + count * 2) return bad('FC 16 byte count');
      return { kind: 'write', fc, table: 'holding', start: u16(1), values: registers(pdu, 6, count) };
    }
    case 22:
      if (pdu.length !== 7) return bad('FC 22 request length');
      return { kind: 'mask', fc: 22, table: 'holding', start: u16(1), and: u16(3), or: u16(5) };
    case 23: {
      if (pdu.length < 10) return bad('FC 23 request length');
      const count = u16(7);
      if (pdu[9] !== count * 2 || pdu.length !== 10 + count * 2) return bad('FC 23 byte count');
      return { kind: 'write', fc, table: 'holding', start: u16(5), values: registers(pdu, 10, count), read: { start: u16(1), count: u16(3) } };
    }
    default:
      return { kind: 'other', fc };
  }
}

/** A response, read in the light of the request it answers (bit reads need the requested count). */
export function decodeResponse(pdu: Buffer, request: Request): Response {
  const fc = pdu[0] ?? 0;
  if (fc & 0x80) return { kind: 'exception', fc: fc & 0x7f, code: pdu[1] ?? 0 };
  if (request.kind === 'read' && (fc === 1 || fc === 2)) {
    const bytes = pdu[1] ?? 0;
    if (pdu.length !== 2 + bytes) return { kind: 'other', fc };
    const values: number[] = [];
    for (let i = 0; i < Math.min(request.count, bytes * 8); i++) values.push((pdu[2 + (i >> 3)]! >> (i & 7)) & 1);
    return { kind: 'values', fc, values };
  }
  if ((request.kind === 'read' && (fc === 3 || fc === 4)) || fc === 23) {
    const bytes = pdu[1] ?? 0;
    if (pdu.length !== 2 + bytes || bytes % 2) return { kind: 'other', fc };
    return { kind: 'values', fc, values: registers(pdu, 2, bytes / 2) };
  }
  if (fc === 5 || fc === 6 || fc === 15 || fc === 16 || fc === 22) return { kind: 'ack', fc };
  return { kind: 'other', fc };
}

function registers(pdu: Buffer, at: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(pdu.readUInt16BE(at + i * 2));
  return out;
}
