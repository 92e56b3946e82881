/**
 * The RTU codec (src/devices/modbus/crc.ts, rtu-frame.ts) and the
 * simulator's own copy (simulators/modbus/rtu.ts) against published frames:
 * the request/response examples of the Modbus over serial line
 * specification and Simply Modbus (slave 0x11), and the common
 * "01 03 0000 000A C5CD". Both implementations must produce the same bytes.
 */
import { expect } from 'chai';
import { crc16, crcOk } from '../../src/devices/modbus/crc.js';
import { decodeRtu, encodeRtu, responseLength } from '../../src/devices/modbus/rtu-frame.js';
import { crc16 as simCrc16, encodeRtu as simEncodeRtu, requestLength, RtuRequestReader } from '../../simulators/modbus/rtu.js';

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');

const KNOWN = [
  { what: 'FC 3 request, slave 0x11, holding 0x6B x3', frame: '11 03 006B 0003 7687' },
  { what: 'FC 3 request, slave 1, holding 0 x10', frame: '01 03 0000 000A C5CD' },
  { what: 'FC 3 response, 3 registers', frame: '11 03 06 AE41 5652 4340 49AD' },
  { what: 'FC 5 request, coil 0xAC on', frame: '11 05 00AC FF00 4E8B' },
  { what: 'FC 6 request, register 1 = 3', frame: '11 06 0001 0003 9A9B' },
  { what: 'FC 16 request, registers 1-2', frame: '11 10 0001 0002 04 000A 0102 C6F0' },
];

describe('devices: Modbus RTU codec', () => {
  for (const k of KNOWN) {
    it(`when encoding the ${k.what} both codecs give the published CRC`, () => {
      const frame = hex(k.frame);
      const pdu = frame.subarray(1, frame.length - 2);
      expect(encodeRtu(frame[0]!, pdu).toString('hex')).to.equal(frame.toString('hex'));
      expect(simEncodeRtu(frame[0]!, pdu).toString('hex')).to.equal(frame.toString('hex'));
      expect(crc16(frame, 0, frame.length - 2)).to.equal(simCrc16(frame, 0, frame.length - 2));
      expect(crcOk(frame)).to.equal(true);
    });
  }

  it('when one bit of a frame flips, the CRC check fails and decode says why', () => {
    const frame = hex('11 03 06 AE41 5652 4340 49AD');
    frame[4] = frame[4]! ^ 0x01;
    expect(crcOk(frame)).to.equal(false);
    expect(decodeRtu(frame)).to.deep.equal({ ok: false, reason: 'CRC mismatch' });
  });

  it('when a response is read byte by byte, its length follows from the function code', () => {
    expect(responseLength(hex('11'))).to.equal('more');
    expect(responseLength(hex('11 03'))).to.equal('more');
    expect(responseLength(hex('11 03 06'))).to.equal(11);
    expect(responseLength(hex('11 83'))).to.equal(5); // exception
    expect(responseLength(hex('11 10'))).to.equal(8);
    expect(responseLength(hex('11 16'))).to.equal(10);
    expect(responseLength(hex('11 2B'))).to.equal('unknown');
    const ok = decodeRtu(hex('11 03 06 AE41 5652 4340 49AD'));
    expect(ok).to.deep.equal({ ok: true, unit: 0x11, pdu: hex('03 06 AE41 5652 4340') });
  });

  it('when the simulator reads requests split and pipelined on a line, it frames them by function code', () => {
    expect(requestLength(hex('11 10 0001 0002 04'))).to.equal(13);
    const reader = new RtuRequestReader();
    const a = hex('11 03 006B 0003 7687');
    const b = hex('11 10 0001 0002 04 000A 0102 C6F0');
    expect(reader.push(a.subarray(0, 3)).frames).to.have.length(0);
    const out = reader.push(Buffer.concat([a.subarray(3), b]));
    expect(out.frames.map((f) => f.toString('hex'))).to.deep.equal([a.toString('hex'), b.toString('hex')]);
    const bad = Buffer.from(a);
    bad[7] = bad[7]! ^ 0xff;
    expect(reader.push(bad).frames).to.have.length(0);
    expect(reader.crcErrors).to.equal(1);
  });
});
