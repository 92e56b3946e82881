/** What a handled request PDU produced. */

export type WriteTable = 'holding' | 'coil';

/** A write that was applied to the tables (never one that was refused). */
export interface AppliedWrite {
  readonly fc: number;
  readonly table: WriteTable;
  readonly address: number;
  /** Register values, or 0/1 for coils. */
  readonly values: number[];
}

export interface PduResult {
  /** The response PDU (normal or exception). */
  readonly response: Buffer;
  /** The exception code when the response is an exception (App. Protocol §7). */
  readonly exception?: number;
  readonly write?: AppliedWrite;
}
