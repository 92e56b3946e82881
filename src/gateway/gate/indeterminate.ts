/**
 * Open indeterminate outcomes: writes that may or may not have reached the
 * PLC and that nothing has settled yet. They are an alarm until a person
 * settles them: the gate keeps them in a side index written in the SAME
 * ledger batch as the receipt that opens or closes them (so the index never
 * disagrees with the record after a crash), shows them on /readyz, the
 * metrics and the console, and closes one with a `settled` receipt that
 * carries the person's signed statement.
 */
import type { Json } from '../../crypto/canonical.js';

export const INDETERMINATE_PREFIX = 'open-indeterminate!';

export interface OpenIndeterminate {
  /** Seq of the intent receipt the outcome belongs to. */
  readonly intent: number;
  readonly target: string;
  readonly value: string;
  readonly reason: string;
  /** When it was recorded (ms since epoch). */
  readonly at: number;
}

/** Side-index name of an intent's open indeterminate outcome. */
export function indeterminateKey(intent: number): string {
  return `${INDETERMINATE_PREFIX}${String(intent).padStart(16, '0')}`;
}

export class IndeterminateIndex {
  private readonly open = new Map<number, OpenIndeterminate>();

  /** Loads the side index (at start). */
  async load(entries: AsyncIterable<[string, string]>): Promise<number> {
    for await (const [, raw] of entries) {
      try {
        const v = JSON.parse(raw) as OpenIndeterminate;
        if (Number.isSafeInteger(v.intent)) this.open.set(v.intent, v);
      } catch {
        // an unreadable entry is skipped; the receipts stay the truth
      }
    }
    return this.open.size;
  }

  /** The side-index mark for a new indeterminate outcome, and remembers it. */
  mark(entry: OpenIndeterminate): { set: { name: string; value: string } } {
    return { set: { name: indeterminateKey(entry.intent), value: JSON.stringify(entry) } };
  }

  added(entry: OpenIndeterminate): void {
    this.open.set(entry.intent, entry);
  }

  get(intent: number): OpenIndeterminate | undefined {
    return this.open.get(intent);
  }

  settled(intent: number): void {
    this.open.delete(intent);
  }

  get size(): number {
    return this.open.size;
  }

  list(): OpenIndeterminate[] {
    return [...this.open.values()].sort((a, b) => a.intent - b.intent);
  }
}

/** The fields of an intent or outcome body the index needs. */
export function entryOf(intent: number, body: Json, reason: string, at: number): OpenIndeterminate {
  const b = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as { [k: string]: Json };
  return { intent, target: typeof b.target === 'string' ? b.target : '', value: typeof b.value === 'string' ? b.value : '', reason, at };
}
