/**
 * The capture reader: pcap (both byte orders, micro and nano), pcapng
 * (SHB/IDB/EPB/SPB, if_tsresol), every supported link type, TCP
 * reassembly (out of order, retransmissions, several requests per
 * segment), Modbus request/response pairing, and clear errors.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCapture, readTraffic } from '../../src/learn/index.js';
import { decodePacket } from '../../src/learn/capture/link.js';
import { adu, Conversation, pcap, pcapng, type LinkType, type Packet } from './helpers/pcap-writer.js';
import { FIXTURES, reorderRetransmit } from './fixtures/crafted.js';

const FIX = new URL('./fixtures/', import.meta.url);
const T0 = Date.UTC(2026, 0, 2, 3, 4, 5) * 1000 + 123456;

function sample(): Packet[] {
  const c = new Conversation('192.168.1.10', 40001, '192.168.1.5', 502, T0).handshake();
  c.send(adu(7, 1, [6, 0, 10, 0, 42]));
  c.reply(adu(7, 1, [6, 0, 10, 0, 42]));
  return c.packets;
}

describe('learn: capture files', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'taogate-learn-cap-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, bytes: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('when a pcap is little- or big-endian, in micro- or nanoseconds, it reads the same packets and times', () => {
    for (const o of [{}, { bigEndian: true }, { nano: true }, { bigEndian: true, nano: true }]) {
      const cap = parseCapture(pcap(sample(), o), 'x');
      expect(cap.format).to.equal('pcap');
      expect(cap.packets.map((p) => p.tsUs), JSON.stringify(o)).to.deep.equal(sample().map((p) => p.tsUs));
    }
  });

  it('when a pcapng has enhanced or simple packet blocks and a nanosecond if_tsresol, it reads every packet', () => {
    const epb = parseCapture(pcapng(sample(), { nano: true }), 'x');
    expect(epb.format).to.equal('pcapng');
    expect(epb.packets.map((p) => p.tsUs)).to.deep.equal(sample().map((p) => p.tsUs));
    const spb = parseCapture(pcapng(sample(), { simple: true }), 'x');
    expect(spb.packets).to.have.length(sample().length);
    expect(spb.packets.map((p) => p.data.length)).to.deep.equal(epb.packets.map((p) => p.data.length));
  });

  it('when the link type is Ethernet, raw IP, Linux cooked v1/v2 or BSD loopback, it finds the same TCP segment', () => {
    const seen = ([1, 101, 113, 276, 0] as LinkType[]).map((link) => {
      const d = decodePacket(parseCapture(pcap(sample(), { link }), 'x').packets[3]!);
      expect(d.kind, `link ${link}`).to.equal('tcp');
      const s = (d as Extract<typeof d, { kind: 'tcp' }>).segment;
      return `${s.src}:${s.sport}>${s.dst}:${s.dport} seq ${s.seq} ${s.payload.toString('hex')}`;
    });
    expect(new Set(seen).size).to.equal(1);
    expect(seen[0]).to.equal(`192.168.1.10:40001>192.168.1.5:502 seq 1001 ${adu(7, 1, [6, 0, 10, 0, 42]).toString('hex')}`);
  });

  it('when segments come out of order, are retransmitted or carry two requests, it pairs the same transactions as a clean stream', () => {
    const t = readTraffic([write('rr.pcapng', pcapng(reorderRetransmit(), { nano: true }))]);
    const shown = t.transactions.map((x) => `${x.client.ip} tid ${x.tid} fc ${x.request.fc} -> ${x.response?.kind}`);
    expect(shown).to.deep.equal([
      '10.0.0.10 tid 1 fc 4 -> values',
      '10.0.0.10 tid 2 fc 16 -> ack',
      '10.0.0.10 tid 3 fc 6 -> ack',
      '10.0.0.10 tid 4 fc 3 -> values',
      '10.0.0.10 tid 5 fc 16 -> ack',
      '10.0.0.10 tid 6 fc 5 -> ack',
      '10.0.0.11 tid 1 fc 3 -> values',
      '10.0.0.11 tid 2 fc 16 -> ack',
    ]);
    const w = t.transactions[1]!.request;
    expect(w.kind === 'write' && w.values).to.deep.equal([0x422a, 0x0000]); // 42.5 float32 ABCD, reassembled from two swapped halves
    expect(t.summary.reassembly.outOfOrderSegments).to.be.greaterThan(0);
    expect(t.summary.reassembly.retransmittedBytes).to.be.greaterThan(0);
    expect(t.summary.unmatchedResponses).to.equal(0);
  });

  it('when the capture lost a segment, it reports the gap and resynchronizes on the next request', () => {
    const c = new Conversation('10.2.2.2', 40500, '10.2.2.5', 502, T0).handshake();
    c.send(adu(1, 1, [6, 0, 1, 0, 11]));
    c.reply(adu(1, 1, [6, 0, 1, 0, 11]));
    const [lost] = c.send(adu(2, 1, [6, 0, 2, 0, 22]));
    c.reply(adu(2, 1, [6, 0, 2, 0, 22]));
    c.send(adu(3, 1, [6, 0, 3, 0, 33]));
    c.reply(adu(3, 1, [6, 0, 3, 0, 33]));
    const t = readTraffic([write('lost.pcap', pcap(c.packets.filter((p) => p !== lost)))]);
    expect(t.transactions.map((x) => x.tid)).to.deep.equal([1, 3]);
    expect(t.summary.reassembly.gapBytes).to.equal(12);
    expect(t.summary.unmatchedResponses).to.equal(1); // the answer to the lost request
  });

  it('when the capture joins running connections mid-frame, it finds the first whole frame and goes on', () => {
    const c = new Conversation('10.3.3.3', 41000, '10.3.3.5', 502, T0); // no handshake: joined a running connection
    const first = adu(1, 1, [16, 0, 100, 0, 2, 4, 0x42, 0x2a, 0, 0]);
    c.send(first.subarray(5)); // the tail of a request the capture missed the start of
    c.reply(adu(1, 1, [16, 0, 100, 0, 2]).subarray(3));
    c.send(adu(2, 1, [6, 0, 7, 0, 70]), adu(3, 1, [3, 0, 7, 0, 1]));
    c.reply(adu(2, 1, [6, 0, 7, 0, 70]), adu(3, 1, [3, 2, 0, 70]));
    const t = readTraffic([write('joined.pcap', pcap(c.packets))]);
    expect(t.transactions.map((x) => `${x.tid} ${x.request.fc} ${x.response?.kind}`)).to.deep.equal(['2 6 ack', '3 3 values']);
  });

  it('when the SYN is missing and ports do not say which side serves, the --device port decides', () => {
    const c = new Conversation('10.1.1.1', 1000, '10.1.1.2', 1502, T0); // no handshake, client port below server port
    c.send(adu(1, 1, [6, 0, 5, 0, 9]));
    c.reply(adu(1, 1, [6, 0, 5, 0, 9]));
    const p = write('nosyn.pcap', pcap(c.packets));
    expect(readTraffic([p], { serverPorts: [1502] }).transactions[0]!.client.ip).to.equal('10.1.1.1');
  });

  it('when a file is truncated, not a capture, or holds no Modbus, it says so with the file name', () => {
    const whole = pcap(sample());
    expect(() => readTraffic([write('t.pcap', whole.subarray(0, whole.length - 7))])).to.throw(/t\.pcap: truncated capture: packet 5/);
    const ng = pcapng(sample());
    expect(() => readTraffic([write('t.pcapng', ng.subarray(0, ng.length - 3))])).to.throw(/t\.pcapng: truncated capture/);
    expect(() => readTraffic([write('x.txt', Buffer.from('hello world'))])).to.throw(/x\.txt: not a pcap or pcapng capture/);
    expect(() => readTraffic([write('empty.pcap', pcap([]))])).to.throw(/holds no packets/);
    expect(() => readTraffic([new URL('not-modbus.pcap', FIX).pathname])).to.throw(/no Modbus TCP traffic in .*not-modbus\.pcap: 5 packets, 1 TCP connections/);
  });
});

describe('learn: checked-in capture fixtures', () => {
  it('when crafted.ts runs again, it writes exactly the checked-in files', () => {
    for (const [name, make] of Object.entries(FIXTURES)) expect(make().equals(readFileSync(new URL(name, FIX))), name).to.equal(true);
  });

  it('when the pcapng and the big-endian Linux-cooked pcap hold the same packets, they read as the same transactions', () => {
    const key = (f: string) => readTraffic([new URL(f, FIX).pathname]).transactions.map((t) => `${t.tsUs} ${t.client.ip} ${t.tid} ${t.request.fc} ${t.response?.kind}`);
    expect(key('reorder-retransmit.pcapng')).to.deep.equal(key('reorder-retransmit-sll.pcap'));
  });

  it('when the real tcpdump capture of the simulator is read, every request has its response', () => {
    const t = readTraffic([new URL('tcpdump-sim.pcap', FIX).pathname]);
    expect(t.transactions).to.have.length(27);
    expect(t.transactions.every((x) => x.response !== undefined && x.response.kind !== 'exception')).to.equal(true);
    expect(t.transactions.filter((x) => x.request.kind === 'write')).to.have.length(13);
    expect(new Set(t.transactions.map((x) => x.client.ip))).to.deep.equal(new Set(['127.0.0.1', '127.0.0.2']));
  });
});
