/**
 * The replication protocol on MQTT (QoS 1, JSON), docs/ledger.md
 * "Replication":
 *
 *   gateway -> taogate/v1/repl/<gw>/receipts
 *     {t:'hello', head:{seq,hash}}          after every (re)connect and when acks stall
 *     {t:'batch', receipts:[...]}           contiguous receipts, in seq order
 *   upstream -> taogate/v1/repl/<gw>/ack
 *     {t:'ack', seq, hash}                  highest contiguous seq the upstream holds (-1: none)
 *   upstream -> taogate/v1/repl/<gw>/cosign
 *     {t:'cosign', size, note}              the checkpoint note with the upstream's cosignature line
 *
 * Every message is idempotent: a resent batch is recognised receipt by
 * receipt (same seq, same hash) and only re-acknowledged.
 */
import type { Receipt } from '../ledger/index.js';

export type GatewayMessage = { t: 'hello'; head: { seq: number; hash: string } } | { t: 'batch'; receipts: Receipt[] };
export type AckMessage = { t: 'ack'; seq: number; hash: string; sync: boolean };
export type CosignMessage = { t: 'cosign'; size: number; note: string };

function obj(payload: Buffer | string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(payload.toString()) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= -1;
const isHash = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

export function parseGatewayMessage(payload: Buffer | string): GatewayMessage | undefined {
  const m = obj(payload);
  if (m?.t === 'hello') {
    const head = m.head as Record<string, unknown> | undefined;
    if (head && isSeq(head.seq) && isHash(head.hash)) return { t: 'hello', head: { seq: head.seq, hash: head.hash } };
  }
  if (m?.t === 'batch' && Array.isArray(m.receipts)) return { t: 'batch', receipts: m.receipts as Receipt[] };
  return undefined;
}

export function parseAck(payload: Buffer | string): AckMessage | undefined {
  const m = obj(payload);
  return m?.t === 'ack' && isSeq(m.seq) && isHash(m.hash) ? { t: 'ack', seq: m.seq, hash: m.hash, sync: m.sync === true } : undefined;
}

export function parseCosign(payload: Buffer | string): CosignMessage | undefined {
  const m = obj(payload);
  return m?.t === 'cosign' && isSeq(m.size) && typeof m.note === 'string' ? { t: 'cosign', size: m.size, note: m.note } : undefined;
}

/** The gateway id in `taogate/v1/repl/<gw>/receipts`. */
export function gatewayOfReceiptsTopic(topic: string): string | undefined {
  const m = /^taogate\/v1\/repl\/([A-Za-z0-9._-]{1,64})\/receipts$/.exec(topic);
  return m?.[1];
}
