/**
 * The co-signed checkpoints a ledger dir stores (side keys `x!cosig/<size>`,
 * written by the replicator once the upstream's cosignature verified) as
 * evidence against the chain itself (issue 11, defect 7): a chain shorter
 * than a co-signed size was truncated, and its first `size` receipts must
 * have the co-signed root. Pure apart from reading the side keys.
 */
import { COSIG_PREFIX, prefixRange, SIDE_PREFIX } from './keys.js';
import { openLevel } from './level.js';
import { parseCheckpointBody, parseNote, type Note } from './merkle-note.js';
import { CompactRange } from './merkle-range.js';
import { receiptLeafHash } from './merkle.js';
import type { RecordSource } from './sources.js';

export interface CosignedCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: Note;
}

/** Co-signed checkpoints from stored cosig side entries ([key, value]), smallest size first; entries that do not parse are left out. */
export async function parseCosigned(entries: AsyncIterable<[string, string]>): Promise<CosignedCheckpoint[]> {
  const out: CosignedCheckpoint[] = [];
  for await (const [, raw] of entries) {
    try {
      const { size, note: text } = JSON.parse(raw) as { size: number; note: string };
      const note = parseNote(text);
      if (typeof note === 'string') continue;
      const cp = parseCheckpointBody(note.body);
      if (typeof cp === 'string' || cp.size !== size) continue;
      out.push({ size, root: cp.root, note });
    } catch {
      // not a stored cosignature
    }
  }
  return out.sort((a, b) => a.size - b.size);
}

/** The same, from a ledger dir that nothing holds open. */
export async function storedCosignedIn(dir: string): Promise<CosignedCheckpoint[]> {
  const db = await openLevel(dir, { create: false });
  try {
    return await parseCosigned(db.iterator(prefixRange(SIDE_PREFIX + COSIG_PREFIX)));
  } finally {
    await db.close();
  }
}

/**
 * Wraps a record source to also fold the leaf hashes of its first `upTo`
 * records (read from the stored hash field; the verifier checks that field)
 * into a Merkle tree: `root()` is then the root of those receipts.
 */
export function foldingRoot(src: RecordSource, upTo: number): { source: RecordSource; root(): { size: number; root: Uint8Array } } {
  const range = new CompactRange();
  return {
    source: {
      storedHead: src.storedHead ? () => src.storedHead!() : undefined,
      async *[Symbol.asyncIterator]() {
        for await (const rec of src) {
          if (range.size < upTo) {
            const at = rec.raw.lastIndexOf('"hash":"');
            const hex = at < 0 ? '' : rec.raw.slice(at + 8, at + 72);
            if (/^[0-9a-f]{64}$/.test(hex)) range.append(receiptLeafHash(hex));
          }
          yield rec;
        }
      },
    },
    root: () => ({ size: range.size, root: range.root() }),
  };
}

/** The chain (count receipts, root of the first cp.size of them) against a co-signed checkpoint; the problem or null. */
export function cosignedProblem(count: number, cp: CosignedCheckpoint, folded: { size: number; root: Uint8Array }): { firstBad: number; reason: string } | null {
  if (count < cp.size) return { firstBad: count, reason: `truncated: the upstream co-signed a checkpoint of ${cp.size} receipts, the chain holds ${count}` };
  if (folded.size === cp.size && Buffer.compare(Buffer.from(folded.root), Buffer.from(cp.root)) !== 0) {
    return { firstBad: cp.size - 1, reason: `the first ${cp.size} receipts do not have the root the upstream co-signed (the chain was replaced or altered below seq ${cp.size})` };
  }
  return null;
}
