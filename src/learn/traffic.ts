/**
 * Capture files -> Modbus TCP transactions in capture order: read each file
 * (pcap or pcapng), decode link/IP/TCP, reassemble every connection, split
 * the streams into MBAP frames, pair requests with responses. The summary
 * says what was read and what was skipped, for the report.
 */
import { CaptureError } from './capture/errors.js';
import { decodePacket } from './capture/link.js';
import { readCaptureFile } from './capture/read.js';
import { MbapSplitter } from './modbus/mbap.js';
import { pair, serverSide, type Transaction } from './modbus/transactions.js';
import { endpointKey, Reassembler, type Connection, type ReassemblyStats } from './tcp/reassembly.js';

export const MODBUS_TCP_PORT = 502;

export interface FileSummary {
  readonly name: string;
  readonly format: 'pcap' | 'pcapng';
  readonly packets: number;
  readonly tcpSegments: number;
  readonly firstUs: number | undefined;
  readonly lastUs: number | undefined;
}

export interface TrafficSummary {
  readonly files: FileSummary[];
  readonly connections: number;
  readonly modbusConnections: number;
  /** TCP connections whose bytes are not Modbus TCP, with why. */
  readonly skipped: { readonly connection: string; readonly why: string }[];
  readonly unmatchedResponses: number;
  readonly resyncs: number;
  readonly reassembly: ReassemblyStats;
}

export interface Traffic {
  readonly transactions: Transaction[];
  readonly summary: TrafficSummary;
}

export interface TrafficOptions {
  /** Ports that identify the server side when a connection's SYN was not captured (502 is always one). */
  readonly serverPorts?: Iterable<number>;
}

export function readTraffic(paths: readonly string[], opts: TrafficOptions = {}): Traffic {
  const serverPorts = new Set([MODBUS_TCP_PORT, ...(opts.serverPorts ?? [])]);
  const transactions: Transaction[] = [];
  const files: FileSummary[] = [];
  const skipped: { connection: string; why: string }[] = [];
  const reassembly: ReassemblyStats = { segments: 0, retransmittedBytes: 0, outOfOrderSegments: 0, gapBytes: 0 };
  let connections = 0;
  let modbusConnections = 0;
  let unmatchedResponses = 0;
  let resyncs = 0;

  paths.forEach((path, fileNo) => {
    const capture = readCaptureFile(path);
    if (capture.packets.length === 0) throw new CaptureError(`${path}: the capture holds no packets`);
    const opened: { c: Connection; ab: MbapSplitter; ba: MbapSplitter }[] = [];
    const reassembler = new Reassembler({
      open(c) {
        const entry = { c, ab: new MbapSplitter(), ba: new MbapSplitter() };
        opened.push(entry);
        const sink = (s: MbapSplitter) => ({ data: (b: Buffer, ts: number, i: number) => s.data(b, ts, i), gap: () => s.gap() });
        return { ab: sink(entry.ab), ba: sink(entry.ba) };
      },
    });
    let tcpSegments = 0;
    const unsupported = new Set<number>();
    for (const p of capture.packets) {
      const d = decodePacket(p);
      if (d.kind === 'unsupported_link') unsupported.add(d.linkType);
      if (d.kind !== 'tcp') continue;
      tcpSegments++;
      reassembler.push(d.segment);
    }
    reassembler.finish();
    if (tcpSegments === 0 && unsupported.size > 0) {
      throw new CaptureError(`${path}: link type ${[...unsupported].join(', ')} is not supported (Ethernet 1, raw IP 101, Linux cooked 113/276, loopback 0/108 are)`);
    }
    let firstUs = Infinity;
    let lastUs = -Infinity;
    for (const p of capture.packets) {
      firstUs = Math.min(firstUs, p.tsUs);
      lastUs = Math.max(lastUs, p.tsUs);
    }
    files.push({ name: path, format: capture.format, packets: capture.packets.length, tcpSegments, firstUs, lastUs });
    for (const k of Object.keys(reassembly) as (keyof ReassemblyStats)[]) reassembly[k] += reassembler.stats[k];

    for (const { c, ab, ba } of opened) {
      connections++;
      const name = `${endpointKey(c.a)} <-> ${endpointKey(c.b)}`;
      if (ab.bytes + ba.bytes === 0) continue; // handshakes only
      const why = ab.invalid ?? ba.invalid;
      if (why || ab.frames.length + ba.frames.length === 0) {
        skipped.push({ connection: name, why: why ?? 'no complete MBAP frame' });
        continue;
      }
      modbusConnections++;
      resyncs += ab.resyncs + ba.resyncs;
      const serverIsA = serverSide(c, serverPorts) === 'a';
      const [client, server] = serverIsA ? [c.b, c.a] : [c.a, c.b];
      const [requests, responses] = serverIsA ? [ba.frames, ab.frames] : [ab.frames, ba.frames];
      const paired = pair(client, server, requests, responses, fileNo);
      transactions.push(...paired.transactions);
      unmatchedResponses += paired.unmatchedResponses;
    }
  });
  if (transactions.length === 0) {
    const packets = files.reduce((n, f) => n + f.packets, 0);
    throw new CaptureError(`no Modbus TCP traffic in ${paths.join(', ')}: ${packets} packets, ${connections} TCP connections, none carried Modbus TCP requests`);
  }
  transactions.sort(byCaptureOrder);
  return { transactions, summary: { files, connections, modbusConnections, skipped, unmatchedResponses, resyncs, reassembly } };
}

function byCaptureOrder(x: Transaction, y: Transaction): number {
  return x.tsUs - y.tsUs || x.order[0] - y.order[0] || x.order[1] - y.order[1] || x.order[2] - y.order[2];
}
