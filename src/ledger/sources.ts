/**
 * Record sources for the verifier: the same verifyRecords runs over a
 * LevelDB ledger dir, a JSON Lines export, or whatever an upstream node
 * stores, through this one small function type.
 */
import { HEAD_KEY, prefixRange, RECEIPT_PREFIX, seqOfKey } from './keys.js';
import { openLevel } from './level.js';

export interface RawRecord {
  /** The seq the storage files this record under (NaN when its key is not a seq key). */
  key: number;
  /** The stored JSON text, untrusted. */
  raw: string;
}

export interface RecordSource extends AsyncIterable<RawRecord> {
  /**
   * Storage that keeps a head pointer reports it here once iteration has
   * started: its raw stored text, or null when the head is missing. Sources
   * without one (an export file) leave this out or return undefined.
   */
  storedHead?(): string | null | undefined;
}

/**
 * How much the LevelDB iterator reads per trip to the thread pool (at most
 * 1,000 entries a trip). classic-level's default, 16 KiB, is ~16 receipts:
 * ~60,000 trips for 1M receipts, each waiting for the event loop, which on a
 * busy machine left the verify workers waiting for chunks.
 */
const READ_AHEAD_BYTES = 1 << 20;

/**
 * Read-only iteration of a ledger dir, in seq order. Opens the dir itself,
 * so it works while nothing else has the dir open (LevelDB lock); never
 * creates a dir. The stored head is read before the first record.
 */
export function levelRecords(dir: string): RecordSource {
  let head: string | null | undefined;
  return {
    storedHead: () => head,
    async *[Symbol.asyncIterator]() {
      const db = await openLevel(dir, { create: false });
      try {
        head = ((await db.get(HEAD_KEY)) as string | undefined) ?? null;
        for await (const [key, raw] of db.iterator({ ...prefixRange(RECEIPT_PREFIX), highWaterMarkBytes: READ_AHEAD_BYTES })) {
          yield { key: seqOfKey(key, RECEIPT_PREFIX), raw };
        }
      } finally {
        await db.close();
      }
    },
  };
}

/**
 * Records from JSON Lines text (`ledger export --format jsonl`): the key of a
 * record is its position among the non-blank lines, so a deleted or moved
 * line shows up as a receipt that is not where its seq says it is.
 */
export function jsonlRecords(lines: AsyncIterable<string> | Iterable<string>): RecordSource {
  return {
    async *[Symbol.asyncIterator]() {
      let key = 0;
      for await (const line of lines) {
        if (line.trim() === '') continue;
        yield { key: key++, raw: line };
      }
    },
  };
}
