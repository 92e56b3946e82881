/**
 * The approver console: three views (approvals, receipts + chain health,
 * trend) as routes on the ops HTTP server. Pages get their state and every
 * change through one SSE stream (/api/events); the only thing a page ever
 * sends is a signed approval (the approver's key stays in the browser).
 *
 *   GET  /                    the page
 *   GET  /api/info            which views this process serves
 *   GET  /api/approvals       pending requests (RequestView)
 *   GET  /api/approvers       approver names and roles (from the profile)
 *   POST /api/approvals       {"approval": Approval} -> Governance.approve
 *   GET  /api/receipts?last=N the newest receipts (ReceiptRow)
 *   GET  /api/keys            the trust store's gateway keys (kid, name, alg, public key, window): the page verifies receipts with them
 *   GET  /api/chain           chain health
 *   POST /api/chain/verify    verify the whole chain now
 *   GET  /api/trend           trend samples and write marks
 *   GET  /api/events          SSE: approvals, receipts, chain, trend
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { SigAlg } from '../crypto/alg.js';
import { toHex } from '../crypto/encoding.js';
import type { TrustStore } from '../tao/truststore.js';

import { json, type Route } from '../ops/http.js';
import { ApprovalFeed, type ConsoleLogger } from './approvals.js';
import { BodyError, readJsonBody } from './body.js';
import { ChainHealth } from './chain.js';
import { EventHub, type ConsoleEvent } from './events.js';
import type { Ledger, Receipt } from '../ledger/index.js';
import { receiptPagesAfter, receiptRow, type ReceiptRow } from './receipts.js';
import type { ConsoleSources } from './sources.js';
import { SECURITY_HEADERS, serveStatic } from './static.js';
import { TrendSampler } from './trend.js';

export interface ConsoleOptions {
  readonly log?: ConsoleLogger;
  /** How often the ledger head is polled for new receipts (ms). */
  readonly receiptPollMs?: number;
  /** How often trends are sampled (ms). */
  readonly trendPeriodMs?: number;
}

export interface ApproverConsole {
  readonly routes: readonly Route[];
  /** Seals of own appends the running chain check holds (none while nobody watches). */
  ownSealsHeld(): number;
  close(): void;
}

const RECENT = 100;
/** Receipts read and checked per step when catching up with the head. */
const CHECK_PAGE = 500;

export function startConsole(sources: ConsoleSources, o: ConsoleOptions = {}): ApproverConsole {
  const hub = new EventHub();
  const approvals = new ApprovalFeed(sources.governance ?? (() => undefined), hub, sources.currentValue);
  const chain = new ChainHealth(sources.trust, sources.replicationLag);
  const trend = new TrendSampler(sources.trend ?? [], hub, o.trendPeriodMs);
  const ledgerOf = sources.ledger ?? (() => undefined);

  // New receipts: poll the in-memory head (cheap), read what is new, check it, push it.
  let lastSeq = -1;
  let busy = false;
  // Receipts this process appends are remembered, so that reading them back skips only their signature verify.
  let listened: Ledger | undefined;
  let unlisten: (() => void) | undefined;
  const stopListening = () => {
    unlisten?.();
    unlisten = undefined;
    listened = undefined;
  };
  const poll = async (asked = false) => {
    const ledger = ledgerOf();
    // Nobody is watching: no reading back and re-hashing on the write path's cores, and no seals
    // remembered for a read-back that will not come. The next look (a page opens, /api/chain)
    // starts again at the newest RECENT, like the first one.
    if (!asked && hub.clients === 0) {
      stopListening();
      if (lastSeq !== -1 && !busy) {
        lastSeq = -1;
        chain.rewind();
      }
      return;
    }
    if (ledger && ledger !== listened) {
      stopListening();
      listened = ledger;
      unlisten = ledger.onAppend((rs) => chain.rememberOwn(rs));
    }
    if (busy || !ledger || ledger.head.seq <= lastSeq) return;
    // The first look starts at the newest RECENT (the full verify at the first look covers what is before).
    if (lastSeq === -1) lastSeq = Math.max(-1, ledger.head.seq - RECENT);
    busy = true;
    try {
      // Every new receipt is checked against the one before it, page by page however many
      // arrived since the last poll; pages see only the newest RECENT of them.
      let newest: Receipt[] = [];
      for await (const page of receiptPagesAfter(ledger, lastSeq, CHECK_PAGE)) {
        chain.checkNew(ledger, page);
        lastSeq = page[page.length - 1]!.seq;
        newest = [...newest, ...page].slice(-RECENT);
      }
      if (newest.length === 0) return;
      hub.emit('receipts', { rows: newest.map(receiptRow) });
      hub.emit('chain', chain.status(ledger));
    } catch (err) {
      o.log?.warn({ err: (err as Error).message }, 'console could not read new receipts');
    } finally {
      busy = false;
    }
  };
  const poller = setInterval(() => void poll(), o.receiptPollMs ?? 250);
  poller.unref();

  const verifyNow = async () => {
    const ledger = ledgerOf();
    if (!ledger) return chain.status(undefined);
    await chain.verify(ledger);
    const status = chain.status(ledger);
    hub.emit('chain', status);
    return status;
  };
  // The full verify runs when someone first looks (a page, /api/chain), not at start-up: the
  // gateway's own open check has proven the chain from the last co-signed checkpoint, and a
  // full verify of a long ledger would compete with the first writes for the cores.
  let verifiedOnce = false;
  const firstLook = async () => {
    if (!verifiedOnce) {
      verifiedOnce = true;
      void verifyNow();
    }
    await poll(true);
  };

  const recent = async (n: number): Promise<ReceiptRow[]> => {
    const ledger = ledgerOf();
    return ledger ? (await ledger.last(n)).map(receiptRow) : [];
  };

  const trendState = async () => {
    const ledger = ledgerOf();
    const tags = trend.markedTags();
    const marks = ledger && tags.size > 0 ? (await ledger.last(2000)).filter((r) => r.kind === 'committed').map(receiptRow).filter((r) => tags.has(r.target)) : [];
    return { series: trend.view(), marks };
  };

  const info = () => ({
    role: sources.role,
    views: { approvals: sources.governance?.() !== undefined, receipts: ledgerOf() !== undefined, trend: (sources.trend ?? []).length > 0 },
  });

  const initialEvents = async (): Promise<ConsoleEvent[]> => [
    { event: 'approvals', data: approvals.snapshot() },
    { event: 'receipts', data: { reset: true, rows: await recent(RECENT) } },
    { event: 'chain', data: chain.status(ledgerOf()) },
    { event: 'trend', data: { reset: true, ...(await trendState()) } },
  ];

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    switch (route) {
      case 'GET /api/info':
        return reply(res, 200, info());
      case 'GET /api/approvals':
        return reply(res, 200, approvals.snapshot());
      case 'GET /api/approvers':
        return reply(res, 200, { approvers: approvals.approvers() });
      case 'POST /api/approvals': {
        let body: unknown;
        try {
          body = await readJsonBody(req);
        } catch (err) {
          const status = err instanceof BodyError ? err.status : 400;
          return reply(res, status, { ok: false, code: 'malformed', reason: (err as Error).message });
        }
        const { status, answer } = approvals.submit(body, o.log);
        return reply(res, status, answer);
      }
      case 'GET /api/receipts': {
        const n = Math.min(1000, Math.max(1, Number(url.searchParams.get('last') ?? RECENT) || RECENT));
        return reply(res, 200, { available: ledgerOf() !== undefined, rows: await recent(n) });
      }
      case 'GET /api/keys':
        return reply(res, 200, { keys: gatewayKeys(sources.trust) });
      case 'GET /api/chain':
        await firstLook();
        return reply(res, 200, chain.status(ledgerOf()));
      case 'POST /api/chain/verify':
        return reply(res, 200, await verifyNow());
      case 'GET /api/trend':
        return reply(res, 200, await trendState());
      case 'GET /api/events':
        await firstLook();
        hub.serve(req, res, await initialEvents());
        return true;
      default:
        return false;
    }
  };

  const files: Route = async (req, res, url) => (req.method === 'GET' || req.method === 'HEAD' ? serveStatic(url.pathname, res) : false);

  return {
    routes: [api, files],
    ownSealsHeld: () => chain.remembered,
    close() {
      clearInterval(poller);
      stopListening();
      approvals.close();
      trend.close();
      hub.close();
    },
  };
}

/** A gateway key as the page needs it to verify receipts (public data only). */
export interface ConsoleKey {
  readonly kid: string;
  readonly name: string;
  readonly role: 'gateway';
  readonly alg: SigAlg;
  /** Raw public key, hex: 32 bytes Ed25519, or 65 bytes uncompressed P-256 (04 || X || Y). */
  readonly publicKey: string;
  readonly notBefore?: number;
  readonly notAfter?: number;
  readonly revokedAt?: number;
}

/** The trust store's gateway keys in trust-store order (the first of a name verifies receipts without a kid). */
export function gatewayKeys(trust: TrustStore | undefined): ConsoleKey[] {
  if (!trust) return [];
  return trust
    .keys()
    .filter((k) => k.role === 'gateway')
    .map((k) => ({
      kid: k.kid,
      name: k.name,
      role: 'gateway' as const,
      alg: k.alg ?? 'EdDSA',
      publicKey: toHex(k.publicKey),
      ...(k.notBefore !== undefined ? { notBefore: k.notBefore } : {}),
      ...(k.notAfter !== undefined ? { notAfter: k.notAfter } : {}),
      ...(k.revokedAt !== undefined ? { revokedAt: k.revokedAt } : {}),
    }));
}

function reply(res: ServerResponse, status: number, body: unknown): true {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  json(res, status, body);
  return true;
}

