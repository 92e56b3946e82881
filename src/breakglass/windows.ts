/**
 * The review list of one gateway's break-glass receipts: each window (grant,
 * signers, reason, tags, open and close), every write in it with its
 * outcome, and what is missing. Pure: built from verified receipts in seq
 * order. The window's digest (what a reviewer signs) covers the hashes of
 * every receipt of the window governance holds, so a review names exactly
 * what was shown.
 */
import { canonicalBytes } from '../crypto/canonical.js';
import { sha256Hex } from '../crypto/hash.js';
import type { Receipt } from '../ledger/types.js';
import { isBreakglassIntent, outcomeIntent } from './relevance.js';

export const WINDOW_DIGEST_TYP = 'taogate.breakglass-window.v1';

export interface BreakglassWrite {
  readonly seq: number;
  readonly hash: string;
  readonly ts: number;
  readonly actor: string;
  readonly role: string;
  readonly target: string;
  readonly value: string;
  /** committed | voided | indeterminate | settled:committed | settled:voided; absent: no outcome held yet. */
  outcome?: string;
  outcomeSeq?: number;
  outcomeHash?: string;
}

export interface WindowClose {
  readonly seq: number;
  readonly hash: string;
  readonly ts: number;
  /** closed | deadline | restart */
  readonly why: string;
  readonly by?: string;
  /** Writes the gateway counted in the window (absent on a restart close). */
  readonly writes?: number;
}

export interface BreakglassWindow {
  readonly gateway: string;
  readonly grant: string;
  signers: string[];
  reason: string;
  tags: string[];
  /** Seconds since epoch (the grant's window). */
  nbf?: number;
  exp?: number;
  open?: { readonly seq: number; readonly hash: string; readonly ts: number; readonly source: string };
  close?: WindowClose;
  readonly writes: BreakglassWrite[];
  /** What the record lacks (an unheld open receipt, a write without outcome, fewer writes than the close counts). */
  problems: string[];
  /** sha256 over the hashes of the window's receipts (what a review signs). */
  digest: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function windowDigest(gateway: string, grant: string, hashes: readonly string[]): string {
  return sha256Hex(canonicalBytes({ typ: WINDOW_DIGEST_TYP, gateway, grant, receipts: [...hashes] }));
}

/** The hashes a window's digest covers, in seq order. */
export function windowHashes(w: Pick<BreakglassWindow, 'open' | 'close' | 'writes'>): string[] {
  const pairs: [number, string][] = [];
  if (w.open) pairs.push([w.open.seq, w.open.hash]);
  for (const x of w.writes) {
    pairs.push([x.seq, x.hash]);
    if (x.outcomeSeq !== undefined && x.outcomeHash) pairs.push([x.outcomeSeq, x.outcomeHash]);
  }
  if (w.close) pairs.push([w.close.seq, w.close.hash]);
  return pairs.sort((a, b) => a[0] - b[0]).map(([, h]) => h);
}

/** Windows of one gateway from its break-glass receipts (seq order), oldest first. */
export function buildWindows(gateway: string, receipts: Iterable<Receipt>): BreakglassWindow[] {
  const windows = new Map<string, BreakglassWindow>();
  const writes = new Map<number, BreakglassWrite>();
  const windowOf = (grant: string): BreakglassWindow => {
    let w = windows.get(grant);
    if (!w) {
      w = { gateway, grant, signers: [], reason: '', tags: [], writes: [], problems: [], digest: '' };
      windows.set(grant, w);
    }
    return w;
  };
  for (const r of receipts) {
    const b = (r.body ?? {}) as Record<string, unknown>;
    if (r.kind === 'breakglass' && b.event === 'open') {
      const w = windowOf(str(b.grant));
      Object.assign(w, { signers: strings(b.signers), reason: str(b.reason), tags: strings(b.tags), open: { seq: r.seq, hash: r.hash, ts: r.ts, source: str(b.source) } });
      if (typeof b.nbf === 'number') w.nbf = b.nbf;
      if (typeof b.exp === 'number') w.exp = b.exp;
    } else if (r.kind === 'breakglass' && b.event === 'close') {
      windowOf(str(b.grant)).close = { seq: r.seq, hash: r.hash, ts: r.ts, why: str(b.why), ...(typeof b.by === 'string' ? { by: b.by } : {}), ...(typeof b.writes === 'number' ? { writes: b.writes } : {}) };
    } else if (isBreakglassIntent(r)) {
      const x: BreakglassWrite = { seq: r.seq, hash: r.hash, ts: r.ts, actor: str(b.actor), role: str(b.role), target: str(b.target), value: str(b.value) };
      windowOf(str(b.grant)).writes.push(x);
      writes.set(r.seq, x);
    } else {
      const intent = outcomeIntent(r);
      const x = intent === undefined ? undefined : writes.get(intent);
      if (!x) continue;
      x.outcome = r.kind === 'settled' ? `settled:${str(b.outcome)}` : r.kind;
      x.outcomeSeq = r.seq;
      x.outcomeHash = r.hash;
    }
  }
  for (const w of windows.values()) {
    const problems: string[] = [];
    if (!w.open) problems.push('the open receipt of this window is not held');
    if (w.close?.writes !== undefined && w.close.writes !== w.writes.length) problems.push(`the close receipt counts ${w.close.writes} write(s), ${w.writes.length} held`);
    for (const x of w.writes) if (!x.outcome) problems.push(`write seq ${x.seq} has no outcome yet`);
    w.problems = problems;
    w.digest = windowDigest(gateway, w.grant, windowHashes(w));
  }
  return [...windows.values()].sort((a, b) => (a.open?.seq ?? a.writes[0]?.seq ?? 0) - (b.open?.seq ?? b.writes[0]?.seq ?? 0));
}
