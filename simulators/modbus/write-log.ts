/**
 * Append-only log of every write the simulator APPLIED (refused requests are
 * never logged). Kept in memory and, when a file is given, appended to it as
 * one JSON object per line with appendFileSync, so another process can read
 * it at once. The file is never truncated or rewritten.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { WriteTable } from './pdu-types.js';

export interface WriteRecord {
  /** Wall-clock time the write was applied, ms since the epoch. */
  readonly ts: number;
  readonly unit: number;
  readonly fc: number;
  readonly table: WriteTable;
  readonly address: number;
  /** Register values, or 0/1 for coils. */
  readonly values: number[];
  /** The client, "ip:port" ("[ip]:port" for IPv6). */
  readonly source: string;
}

export class WriteLog {
  private readonly records: WriteRecord[] = [];
  private fileErrors = 0;

  constructor(private readonly file?: string) {
    if (file !== undefined) mkdirSync(dirname(file), { recursive: true });
  }

  append(record: WriteRecord): void {
    this.records.push(record);
    if (this.file === undefined) return;
    try {
      appendFileSync(this.file, JSON.stringify(record) + '\n');
    } catch (err) {
      // The write is already applied; losing the line must be loud but must not stop the PLC.
      if (this.fileErrors++ === 0) {
        process.emitWarning(`modbus sim: cannot append to write log ${this.file}: ${(err as Error).message}`);
      }
    }
  }

  /** A deep copy of every record so far, oldest first. */
  list(): WriteRecord[] {
    return this.records.map((r) => ({ ...r, values: [...r.values] }));
  }

  get size(): number {
    return this.records.length;
  }

  /** How many records could not be appended to the file. */
  get fileErrorCount(): number {
    return this.fileErrors;
  }
}
