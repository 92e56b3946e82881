/** Exit codes of the taogate CLI (the outside contract: docs/interface.md, docs/operations.md). */
export const EXIT = {
  ok: 0,
  /** Invalid input or a failed check (ledger verify, profile check, bundle). */
  failed: 1,
  /** Denied / refused, with a stable refusal code. */
  refused: 2,
  /** Pending approval. */
  pending: 3,
  /** Wrong command-line usage. */
  usage: 64,
} as const;

/** An error the CLI prints as one line on stderr before exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
