/**
 * Reading a ledger that a running process holds open. LevelDB locks an open
 * folder, so the live ledger is never opened here: its files are copied to
 * a temporary folder (without the LOCK file) and the copy is read. A copy
 * taken while LevelDB compacts can miss a file; it is then taken again.
 * Nothing here ever writes to the live folder.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { levelRecords, verifyRecords, type Receipt, type VerifyReport } from '../ledger/index.js';
import { receiptKeyLookup } from '../tao/receipt-keys.js';
import type { TrustStore } from '../tao/truststore.js';

export interface LedgerCopy {
  readonly dir: string;
  readonly receipts: readonly Receipt[];
  remove(): void;
}

/** Copies `dir` (a ledger folder) and reads every receipt of the copy. */
export async function copyLedger(dir: string, attempts = 4): Promise<LedgerCopy> {
  let lastErr: unknown;
  for (let i = 0; i < attempts; i++) {
    const copy = mkdtempSync(join(tmpdir(), `taogate-validate-${basename(dir)}-`));
    try {
      cpSync(dir, copy, { recursive: true, filter: (src) => basename(src) !== 'LOCK' });
      const receipts: Receipt[] = [];
      for await (const rec of levelRecords(copy)) receipts.push(JSON.parse(rec.raw) as Receipt);
      return { dir: copy, receipts, remove: () => rmSync(copy, { recursive: true, force: true }) };
    } catch (err) {
      lastErr = err;
      rmSync(copy, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200 * (i + 1)));
    }
  }
  throw new Error(`could not read a copy of the ledger ${dir}: ${(lastErr as Error).message}`);
}

/**
 * verifyRecords over a copied (or any closed) ledger folder, with the shared
 * receipt key lookup (src/tao/receipt-keys.ts): each receipt is checked with
 * the gateway key its kid names, by that key's algorithm (Ed25519 or ES256),
 * within that key's window at the receipt's time; so a ledger verifies across
 * `keys rotate`. A receipt without a kid uses the gateway's first key by name.
 */
export function verifyLedgerDir(dir: string, trust: TrustStore): Promise<VerifyReport> {
  return verifyRecords(levelRecords(dir), receiptKeyLookup(trust), { parallel: false });
}

/** Runs `fn` on a fresh copy of the ledger folder and removes the copy afterwards. */
export async function withLedgerCopy<T>(dir: string, fn: (copy: LedgerCopy) => Promise<T>): Promise<T> {
  const copy = await copyLedger(dir);
  try {
    return await fn(copy);
  } finally {
    copy.remove();
  }
}

/** A copy of the ledger folder, verified: the report and the copy's receipts. */
export function verifiedCopy(dir: string, trust: TrustStore): Promise<{ report: VerifyReport; receipts: readonly Receipt[] }> {
  return withLedgerCopy(dir, async (copy) => ({ report: await verifyLedgerDir(copy.dir, trust), receipts: copy.receipts }));
}
