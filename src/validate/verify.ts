/**
 * `taogate validate verify DIR`: the report's signature verifies, and every
 * receipt the report names is in the ledger, with the same kind and hash,
 * and the ledger (a copy of it) verifies as a chain.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrustStore } from '../tao/truststore.js';
import { verifiedCopy } from './ledger-copy.js';
import { REPORT_FORMAT, type Report } from './report.js';
import { verifyReportSignature } from './signature.js';
import type { ReceiptRef } from './types.js';

export interface ReportVerification {
  readonly ok: boolean;
  readonly signer?: string;
  readonly receipts: number;
  readonly problems: readonly string[];
}

export async function verifyReportDir(dir: string, trust: TrustStore, ledgerDir: string): Promise<ReportVerification> {
  const jsonPath = join(dir, 'oq-report.json');
  const sigPath = join(dir, 'oq-report.sig');
  const problems: string[] = [];
  if (!existsSync(jsonPath)) return { ok: false, receipts: 0, problems: [`${jsonPath}: not found`] };
  if (!existsSync(sigPath)) return { ok: false, receipts: 0, problems: [`${sigPath}: not found (the report is not signed)`] };
  const bytes = readFileSync(jsonPath);
  const sig = verifyReportSignature(readFileSync(sigPath, 'utf8'), bytes, trust);
  if (!sig.ok) problems.push(sig.reason);
  let report: Report;
  try {
    report = JSON.parse(bytes.toString('utf8')) as Report;
    if (report.format !== REPORT_FORMAT || !Array.isArray(report.checks)) throw new Error(`not a ${REPORT_FORMAT} document`);
  } catch (err) {
    return { ok: false, receipts: 0, problems: [...problems, `${jsonPath}: ${(err as Error).message}`] };
  }
  const named = report.checks.flatMap((c) => c.receipts.map((r: ReceiptRef) => ({ check: c.id, ...r })));
  const { report: chain, receipts } = await verifiedCopy(ledgerDir, trust);
  if (!chain.ok) problems.push(`the ledger ${ledgerDir} does not verify: seq ${chain.firstBad}: ${chain.reason}`);
  const bySeq = new Map(receipts.map((r) => [r.seq, r]));
  for (const n of named) {
    const r = bySeq.get(n.seq);
    if (!r) problems.push(`${n.check}: receipt ${n.seq} is not in the ledger`);
    else if (r.hash !== n.hash || r.kind !== n.kind) problems.push(`${n.check}: receipt ${n.seq} in the ledger is ${r.kind} ${r.hash}, the report says ${n.kind} ${n.hash}`);
    else if (!chain.ok && chain.firstBad !== undefined && n.seq >= chain.firstBad) problems.push(`${n.check}: receipt ${n.seq} is at or after the break in the chain`);
  }
  return { ok: problems.length === 0, ...(sig.ok ? { signer: sig.signer } : {}), receipts: named.length, problems };
}
