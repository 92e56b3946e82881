/**
 * Classifies a request PDU (Modbus Application Protocol v1.1b3, section 6):
 * a read that may pass through, a write the gate must authorize, or a
 * request refused outright. Deny by default: only the listed read function
 * codes pass; every other code (diagnostics, file record writes, ...) is
 * answered "illegal function" and never reaches the PLC.
 */
export type Classified =
  | { readonly kind: 'read' }
  | { readonly kind: 'write'; readonly write: WritePart }
  | { readonly kind: 'reject'; readonly exception: 'illegal_function' | 'illegal_value'; readonly detail: string };

export interface WritePart {
  readonly fc: 5 | 6 | 15 | 16 | 22 | 23;
  readonly table: 'coil' | 'holding';
  readonly start: number;
  /** Coils: 0/1 per coil. Registers: uint16 per register. FC 22: empty (see mask). */
  readonly values: readonly number[];
  /** FC 22 mask write: result = (current AND and) OR (or AND NOT and). */
  readonly mask?: { readonly and: number; readonly or: number };
}

/** v1.1b3 6.x: read codes forwarded unchanged. 43 only with MEI type 14 (read device identification). */
const READ_CODES = new Set([1, 2, 3, 4, 7, 11, 12, 17, 20, 24]);

export function classify(pdu: Buffer): Classified {
  const fc = pdu[0];
  if (fc === undefined) return { kind: 'reject', exception: 'illegal_value', detail: 'empty PDU' };
  if (READ_CODES.has(fc)) return { kind: 'read' };
  if (fc === 43) return pdu[1] === 14 ? { kind: 'read' } : { kind: 'reject', exception: 'illegal_function', detail: 'FC 43 only with MEI type 14' };
  switch (fc) {
    case 5: {
      // 6.5: value 0xFF00 = ON, 0x0000 = OFF; anything else is exception 03.
      if (pdu.length !== 5) return bad(`FC 5 PDU is ${pdu.length} bytes, expected 5`);
      const v = pdu.readUInt16BE(3);
      if (v !== 0xff00 && v !== 0x0000) return bad(`FC 5 value 0x${v.toString(16)} is not 0xFF00 or 0x0000`);
      return write({ fc: 5, table: 'coil', start: pdu.readUInt16BE(1), values: [v === 0xff00 ? 1 : 0] });
    }
    case 6:
      // 6.6
      if (pdu.length !== 5) return bad(`FC 6 PDU is ${pdu.length} bytes, expected 5`);
      return write({ fc: 6, table: 'holding', start: pdu.readUInt16BE(1), values: [pdu.readUInt16BE(3)] });
    case 15: {
      // 6.11: quantity 1..0x07B0, byte count = ceil(N / 8).
      if (pdu.length < 6) return bad('FC 15 PDU truncated');
      const start = pdu.readUInt16BE(1);
      const qty = pdu.readUInt16BE(3);
      const count = pdu[5]!;
      if (qty < 1 || qty > 0x07b0) return bad(`FC 15 quantity ${qty} outside 1..1968`);
      if (count !== Math.ceil(qty / 8) || pdu.length !== 6 + count) return bad(`FC 15 byte count ${count} does not match quantity ${qty} and PDU length ${pdu.length}`);
      const values: number[] = [];
      for (let i = 0; i < qty; i++) values.push((pdu[6 + (i >> 3)]! >> (i & 7)) & 1);
      return write({ fc: 15, table: 'coil', start, values });
    }
    case 16: {
      // 6.12: quantity 1..0x007B, byte count = 2 x N.
      if (pdu.length < 6) return bad('FC 16 PDU truncated');
      const start = pdu.readUInt16BE(1);
      const qty = pdu.readUInt16BE(3);
      const count = pdu[5]!;
      if (qty < 1 || qty > 0x7b) return bad(`FC 16 quantity ${qty} outside 1..123`);
      if (count !== qty * 2 || pdu.length !== 6 + count) return bad(`FC 16 byte count ${count} does not match quantity ${qty} and PDU length ${pdu.length}`);
      const values: number[] = [];
      for (let i = 0; i < qty; i++) values.push(pdu.readUInt16BE(6 + i * 2));
      return write({ fc: 16, table: 'holding', start, values });
    }
    case 22:
      // 6.16
      if (pdu.length !== 7) return bad(`FC 22 PDU is ${pdu.length} bytes, expected 7`);
      return write({ fc: 22, table: 'holding', start: pdu.readUInt16BE(1), values: [], mask: { and: pdu.readUInt16BE(3), or: pdu.readUInt16BE(5) } });
    case 23: {
      // 6.17: read quantity 1..0x7D, write quantity 1..0x79, byte count = 2 x write quantity.
      if (pdu.length < 10) return bad('FC 23 PDU truncated');
      const readQty = pdu.readUInt16BE(3);
      const start = pdu.readUInt16BE(5);
      const qty = pdu.readUInt16BE(7);
      const count = pdu[9]!;
      if (readQty < 1 || readQty > 0x7d) return bad(`FC 23 read quantity ${readQty} outside 1..125`);
      if (qty < 1 || qty > 0x79) return bad(`FC 23 write quantity ${qty} outside 1..121`);
      if (count !== qty * 2 || pdu.length !== 10 + count) return bad(`FC 23 byte count ${count} does not match write quantity ${qty} and PDU length ${pdu.length}`);
      const values: number[] = [];
      for (let i = 0; i < qty; i++) values.push(pdu.readUInt16BE(10 + i * 2));
      return write({ fc: 23, table: 'holding', start, values });
    }
    default:
      return { kind: 'reject', exception: 'illegal_function', detail: `function code ${fc} is not forwarded` };
  }
}

function write(w: WritePart): Classified {
  return { kind: 'write', write: w };
}

function bad(detail: string): Classified {
  return { kind: 'reject', exception: 'illegal_value', detail };
}
