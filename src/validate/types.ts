/**
 * The qualification run's vocabulary: a check is a small named step with an
 * id (IQ-nn / OQ-nn), a title and a run function against the installation.
 * The clauses a check gives evidence for come from the clause map
 * (./clauses.ts), never from the check itself.
 */
import type { ValidateContext } from './context.js';

export type Phase = 'IQ' | 'OQ';
export type Verdict = 'PASS' | 'FAIL' | 'NOT RUN';

/** What a check found: its verdict is PASS only when `ok` and nothing was left out. */
export interface CheckOutcome {
  readonly ok: boolean;
  /** What was done, step by step, in words an auditor reads. */
  readonly done: readonly string[];
  readonly expected: string;
  readonly observed: string;
  /** Ledger seqs of the receipts this check produced (or inspected). */
  readonly receipts?: readonly number[];
  /** Evidence as name -> value (values, codes, hashes, file names). */
  readonly evidence?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface Check {
  readonly id: string;
  readonly phase: Phase;
  readonly title: string;
  run(ctx: ValidateContext): Promise<CheckOutcome>;
}

/** Thrown by a check that cannot run here: the check is NOT RUN with this reason, never PASS. */
export class NotRun extends Error {
  constructor(
    reason: string,
    readonly done: readonly string[] = [],
  ) {
    super(reason);
    this.name = 'NotRun';
  }
}

/** A receipt a check names: enough for an auditor (and `validate verify`) to find it again. */
export interface ReceiptRef {
  readonly seq: number;
  readonly kind: string;
  readonly hash: string;
}

export interface CheckRecord {
  readonly id: string;
  readonly phase: Phase;
  readonly title: string;
  readonly clauses: readonly string[];
  readonly result: Verdict;
  readonly done: readonly string[];
  readonly expected: string;
  readonly observed: string;
  /** Why a check is NOT RUN, or the error that made it FAIL. */
  readonly why?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly receipts: readonly ReceiptRef[];
  readonly evidence: Readonly<Record<string, string | number | boolean | null>>;
}
