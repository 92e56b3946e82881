/**
 * Which receipts of a chain belong to break-glass: the window's open and
 * close (`breakglass`), every intent on the break-glass path, and the
 * outcome (committed, voided, indeterminate) and settlement of each such
 * intent. An outcome names its intent by seq only, so the classifier
 * remembers the break-glass intents it saw; for an intent from before it
 * started (an upstream restart, a catch-up from a cursor) it asks `intentAt`.
 */
import type { Receipt } from '../ledger/types.js';

const OUTCOMES: ReadonlySet<string> = new Set(['committed', 'voided', 'indeterminate', 'settled']);

export function isBreakglassIntent(r: Pick<Receipt, 'kind' | 'body'>): boolean {
  return r.kind === 'intent' && (r.body as { path?: unknown } | null)?.path === 'breakglass';
}

/** The intent seq an outcome or settlement names, else undefined. */
export function outcomeIntent(r: Pick<Receipt, 'kind' | 'body'>): number | undefined {
  if (!OUTCOMES.has(r.kind)) return undefined;
  const intent = (r.body as { intent?: unknown } | null)?.intent;
  return typeof intent === 'number' && Number.isSafeInteger(intent) ? intent : undefined;
}

export class BreakglassClassifier {
  /** Break-glass intents seen without a final outcome yet. */
  private readonly open = new Set<number>();

  /**
   * @param firstSeen the first seq this classifier sees in order; intents below it are looked up.
   * @param intentAt reads an earlier receipt of the same chain (undefined: not held).
   */
  constructor(
    private readonly firstSeen: number,
    private readonly intentAt: (seq: number) => Promise<Receipt | undefined>,
  ) {}

  /**
   * Feed receipts in seq order; true for the break-glass ones. Synchronous
   * unless an outcome names an intent from before `firstSeen` (the
   * replication path stays free of awaits for ordinary receipts).
   */
  relevant(r: Receipt): boolean | Promise<boolean> {
    if (r.kind === 'breakglass') return true;
    if (isBreakglassIntent(r)) {
      this.open.add(r.seq);
      return true;
    }
    const intent = outcomeIntent(r);
    if (intent === undefined) return false;
    if (this.open.has(intent)) return this.settle(r, intent);
    if (intent >= this.firstSeen) return false;
    return this.intentAt(intent).then((earlier) => (earlier !== undefined && isBreakglassIntent(earlier) ? this.settle(r, intent) : false));
  }

  /** An indeterminate outcome may still be settled; committed, voided and settled are final. */
  private settle(r: Receipt, intent: number): true {
    if (r.kind === 'indeterminate') this.open.add(intent);
    else this.open.delete(intent);
    return true;
  }
}
