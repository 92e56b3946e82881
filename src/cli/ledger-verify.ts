/**
 * `taogate ledger verify` on a ledger dir: the chain (verifyRecords, every
 * receipt's key by its kid), then the chain against the largest checkpoint
 * the upstream co-signed that the dir stores (docs/ledger.md "Co-signed
 * checkpoints"): a chain truncated below a co-signed size, or whose first
 * receipts do not have the co-signed root, is reported broken.
 */
import { cosignedProblem, foldingRoot, storedCosignedIn, type CosignedCheckpoint } from '../ledger/cosigned.js';
import { noteCosignedBy } from '../ledger/merkle-note.js';
import { levelRecords, verifyRecords, type VerifyReport } from '../ledger/index.js';
import { verifySignature } from '../crypto/verify.js';
import { receiptKeyLookup } from '../tao/receipt-keys.js';
import type { TrustStore } from '../tao/truststore.js';

export interface LedgerDirReport extends VerifyReport {
  /** The largest co-signed checkpoint size the chain was checked against. */
  cosigned?: number;
}

/** Co-signed checkpoints whose cosignature verifies under an upstream key of the trust store (not revoked then). */
function trustedCosigned(all: readonly CosignedCheckpoint[], trust: TrustStore): CosignedCheckpoint[] {
  const upstreams = trust.keys().filter((k) => k.role === 'upstream');
  return all.filter((cp) =>
    upstreams.some((k) => {
      const at = noteCosignedBy(cp.note, k.name, k.publicKey, verifySignature);
      return at !== undefined && (k.revokedAt === undefined || at < k.revokedAt);
    }),
  );
}

export async function verifyLedgerDir(dir: string, trust: TrustStore, onProgress?: (n: number, total?: number) => void): Promise<LedgerDirReport> {
  const last = trustedCosigned(await storedCosignedIn(dir), trust).at(-1);
  const folding = foldingRoot(levelRecords(dir), last?.size ?? 0);
  const report = await verifyRecords(folding.source, receiptKeyLookup(trust), { onProgress });
  if (!last) return report;
  const problem = report.ok ? cosignedProblem(report.count, last, folding.root()) : null;
  return problem ? { ...report, ok: false, ...problem, cosigned: last.size } : { ...report, cosigned: last.size };
}
