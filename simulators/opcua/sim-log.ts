/**
 * Append-only log of applied writes and method calls: in memory, and
 * optionally one JSON line per entry appended to a file (opened with 'a',
 * written synchronously so another process can read it at once; never
 * truncated or rewritten). `seq` counts from 1 per simulator run, so a file
 * shared by several runs holds one 1..n sequence per run.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CallLogEntry, SimLogEntry, WriteLogEntry } from './types.js';

type Unsequenced<T> = T extends SimLogEntry ? Omit<T, 'seq' | 'ts'> : never;

export class SimLog {
  readonly #writes: WriteLogEntry[] = [];
  readonly #calls: CallLogEntry[] = [];
  #seq = 0;
  #fd: number | undefined;

  constructor(file?: string) {
    if (file !== undefined) {
      mkdirSync(dirname(file), { recursive: true });
      this.#fd = openSync(file, 'a');
    }
  }

  append(entry: Unsequenced<SimLogEntry>): SimLogEntry {
    this.#seq += 1;
    const full = { seq: this.#seq, ts: new Date().toISOString(), ...entry } as SimLogEntry;
    Object.freeze(full);
    if (full.kind === 'write') this.#writes.push(full);
    else this.#calls.push(full);
    if (this.#fd !== undefined) writeSync(this.#fd, JSON.stringify(full) + '\n');
    return full;
  }

  writes(): WriteLogEntry[] {
    return [...this.#writes];
  }

  calls(): CallLogEntry[] {
    return [...this.#calls];
  }

  close(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }
}
