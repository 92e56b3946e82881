/**
 * The historian push: follows a ReceiptFeed and writes every receipt to
 * InfluxDB, in seq order, in batches, exactly once across restarts:
 *
 * - the cursor (last seq InfluxDB confirmed) is a JSON file written
 *   atomically (temp + rename) after each confirmed batch;
 * - after a crash between the write and the cursor update, the batch is sent
 *   again and lands on the same points (influx.ts: the seq is part of the
 *   point time), so InfluxDB holds each receipt once: no gaps, no duplicates;
 * - a failed write is retried with exponential backoff (0.5 s doubling to
 *   30 s); a permanent refusal (4xx) stops the pusher with the reason.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ReceiptFeed } from './feed.js';
import { LedgerBusy } from './feed.js';
import { receiptToLine } from './influx.js';
import { InfluxWriteError, type InfluxWriter } from './writer.js';
import { quietLog, type ReplLogger } from '../replication/log.js';

export interface PusherOptions {
  readonly feed: ReceiptFeed;
  readonly writer: InfluxWriter;
  readonly cursorFile: string;
  readonly batch?: number;
  readonly pollMs?: number;
  readonly maxBackoffMs?: number;
  readonly log?: ReplLogger;
  readonly onProgress?: (pushed: number, head: number) => void;
}

export interface PusherCursor {
  seq: number;
}

export function readCursor(file: string): PusherCursor {
  if (!existsSync(file)) return { seq: -1 };
  const v = JSON.parse(readFileSync(file, 'utf8')) as PusherCursor;
  if (!Number.isSafeInteger(v.seq) || v.seq < -1) throw new Error(`${file}: not a historian cursor`);
  return v;
}

function writeCursor(file: string, c: PusherCursor): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(c) + '\n');
  renameSync(tmp, file);
}

export class HistorianPusher {
  private stopped = false;
  /** Set by finish(): a following run returns once it has caught up, instead of waiting for more. */
  private finishing = false;
  private cursor: PusherCursor;
  readonly stats = { batches: 0, points: 0, retries: 0 };

  constructor(private readonly o: PusherOptions) {
    this.cursor = readCursor(o.cursorFile);
  }

  get position(): number {
    return this.cursor.seq;
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * Lets a following run push what the feed holds now and return (`running`: that run's promise),
   * waiting at most `ms`; then stops it where it is. What is left goes after the next start, from the cursor.
   */
  async finish(running: Promise<unknown>, ms: number): Promise<void> {
    this.finishing = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([running.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    this.stop();
  }

  /** Pushes until caught up with the feed's head; resolves with the cursor. With follow, keeps going until stop(). */
  async run(opts: { follow: boolean }): Promise<number> {
    const log = this.o.log ?? quietLog;
    let backoff = 500;
    while (!this.stopped) {
      let head: number;
      let receipts;
      try {
        ({ head, receipts } = await this.o.feed.read(this.cursor.seq + 1, this.o.batch ?? 500));
      } catch (err) {
        if (!(err instanceof LedgerBusy) || !opts.follow) throw err;
        log.warn({ err: err.message }, 'historian: feed busy; retrying');
        await this.o.feed.wait(Math.min(backoff *= 2, this.o.maxBackoffMs ?? 30_000));
        continue;
      }
      if (receipts.length === 0) {
        this.o.onProgress?.(this.cursor.seq + 1, head + 1);
        if (!opts.follow || this.finishing) return this.cursor.seq;
        await this.o.feed.wait(this.o.pollMs ?? 1000);
        continue;
      }
      const expected = this.cursor.seq + 1;
      if (receipts[0]?.seq !== expected || receipts.some((r, i) => r.seq !== expected + i)) throw new Error(`historian: the feed skipped from seq ${this.cursor.seq} (a gap in ${this.o.feed.name})`);
      try {
        await this.o.writer.write(receipts.map(receiptToLine));
        backoff = 500;
      } catch (err) {
        if (err instanceof InfluxWriteError && err.permanent) throw err;
        this.stats.retries++;
        log.warn({ err: (err as Error).message, retryInMs: backoff }, 'historian: write failed; retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, this.o.maxBackoffMs ?? 30_000);
        continue;
      }
      this.cursor = { seq: (receipts[receipts.length - 1] as { seq: number }).seq };
      writeCursor(this.o.cursorFile, this.cursor);
      this.stats.batches++;
      this.stats.points += receipts.length;
      this.o.onProgress?.(this.cursor.seq + 1, head + 1);
    }
    return this.cursor.seq;
  }
}
