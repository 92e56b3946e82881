/**
 * One Modbus TCP connection's frames -> request/response transactions.
 * Which side is the server: the side that received the SYN when the
 * capture holds it; else the side on a known server port (502, or a port
 * given with --device); else the lower port. Responses pair with the oldest
 * unanswered request of the same transaction id (and unit id, and function
 * code): transaction ids wrap and some clients reuse them.
 */
import type { Connection, Endpoint } from '../tcp/reassembly.js';
import type { Frame } from './mbap.js';
import { decodeRequest, decodeResponse, type Request, type Response } from './pdu.js';

export interface Transaction {
  readonly client: Endpoint;
  readonly server: Endpoint;
  readonly unit: number;
  readonly tid: number;
  readonly request: Request;
  readonly tsUs: number;
  /** Position in the capture, for a stable order of frames completed by the same packet. */
  readonly order: readonly [file: number, index: number, seq: number];
  response?: Response;
  responseTsUs?: number;
}

export interface PairingResult {
  readonly transactions: Transaction[];
  readonly unmatchedResponses: number;
}

export function serverSide(c: Connection, serverPorts: ReadonlySet<number>): 'a' | 'b' {
  if (c.initiator) return c.initiator.ip === c.a.ip && c.initiator.port === c.a.port ? 'b' : 'a';
  const aKnown = serverPorts.has(c.a.port);
  const bKnown = serverPorts.has(c.b.port);
  if (aKnown !== bKnown) return aKnown ? 'a' : 'b';
  return c.a.port <= c.b.port ? 'a' : 'b';
}

export function pair(client: Endpoint, server: Endpoint, requests: readonly Frame[], responses: readonly Frame[], file: number): PairingResult {
  const transactions: Transaction[] = requests.map((f, seq) => ({
    client,
    server,
    unit: f.unit,
    tid: f.tid,
    request: decodeRequest(f.pdu),
    tsUs: f.tsUs,
    order: [file, f.index, seq] as const,
  }));
  const open = new Map<number, Transaction[]>();
  for (const t of transactions) {
    const list = open.get(t.tid);
    if (list) list.push(t);
    else open.set(t.tid, [t]);
  }
  let unmatched = 0;
  for (const r of responses) {
    const waiting = open.get(r.tid) ?? [];
    const fc = (r.pdu[0] ?? 0) & 0x7f;
    const i = waiting.findIndex((t) => t.request.fc === fc && t.unit === r.unit && t.tsUs <= r.tsUs);
    const j = i >= 0 ? i : waiting.findIndex((t) => t.request.fc === fc);
    if (j < 0) {
      unmatched++;
      continue;
    }
    const [t] = waiting.splice(j, 1) as [Transaction];
    t.response = decodeResponse(r.pdu, t.request);
    t.responseTsUs = r.tsUs;
  }
  return { transactions, unmatchedResponses: unmatched };
}
