/** The review list: every break-glass window in a ledger and the writes in it, with their outcomes. */
import { existsSync } from 'node:fs';
import { levelRecords, type Receipt } from '../../ledger/index.js';
import { CliError } from '../exit.js';
import { ledgerDir } from '../paths.js';

export interface ReviewWrite {
  seq: number;
  ts: number;
  actor: string;
  target: string;
  value: string;
  outcome?: string;
}

export interface ReviewWindow {
  grant: string;
  signers: string[];
  reason: string;
  tags: string[];
  openSeq: number;
  exp: number;
  closeSeq?: number;
  why?: string;
  writes: ReviewWrite[];
}

export async function breakglassReview(data: string): Promise<{ ledger: string; windows: ReviewWindow[] }> {
  const dir = ledgerDir(data);
  if (!existsSync(dir)) throw new CliError(`--data ${data}: no ledger at ${dir}`);
  const windows = new Map<string, ReviewWindow>();
  const writes = new Map<number, ReviewWrite>();
  for await (const rec of levelRecords(dir)) {
    let r: Receipt;
    try {
      r = JSON.parse(rec.raw) as Receipt;
    } catch {
      throw new CliError(`${dir}: receipt ${rec.key} is not valid JSON (run 'taogate ledger verify')`);
    }
    const b = (r.body ?? {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    if (r.kind === 'breakglass' && b.event === 'open') {
      windows.set(str(b.grant), { grant: str(b.grant), signers: (b.signers as string[]) ?? [], reason: str(b.reason), tags: (b.tags as string[]) ?? [], openSeq: r.seq, exp: Number(b.exp), writes: [] });
    } else if (r.kind === 'breakglass' && b.event === 'close') {
      const w = windows.get(str(b.grant));
      if (w) Object.assign(w, { closeSeq: r.seq, why: str(b.why) });
    } else if (r.kind === 'intent' && b.path === 'breakglass') {
      const w: ReviewWrite = { seq: r.seq, ts: r.ts, actor: str(b.actor), target: str(b.target), value: str(b.value) };
      windows.get(str(b.grant))?.writes.push(w);
      writes.set(r.seq, w);
    } else if ((r.kind === 'committed' || r.kind === 'voided' || r.kind === 'indeterminate') && typeof b.intent === 'number') {
      const w = writes.get(b.intent);
      if (w) w.outcome = r.kind;
    }
  }
  return { ledger: dir, windows: [...windows.values()] };
}
