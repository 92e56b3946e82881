/**
 * Evidence of refusals without a disk-filling lever. Every refusal is
 * evidence, but anyone who can reach a front can produce refusals as fast
 * as the network allows, and each recorded one is a signed, fsynced
 * receipt. So per source (the identified actor, else the source address
 * without its port) and per interval:
 *
 *   - the first `burst` refusals get a `denied` receipt each, as always;
 *   - the rest are counted by code, and at the end of the interval one
 *     `denied_summary` receipt records them: source, window, count, counts
 *     by code and by target (targets capped), first and last time.
 *
 * Nothing is dropped: a refusal is either its own receipt or counted in a
 * summary (flushed at the interval's end and when the gate stops).
 */
import type { Json } from '../../crypto/canonical.js';
import type { RefusalCode } from '../../refusal/codes.js';
import type { GateLedger, GateLogger } from './ports.js';

export interface RefusalRecorderOptions {
  /** Refusals recorded individually per source per interval (default 20). */
  readonly burst?: number;
  /** Interval length in ms (default 10,000). */
  readonly intervalMs?: number;
}

interface Window {
  individual: number;
  suppressed: number;
  byCode: Map<string, number>;
  byTarget: Map<string, number>;
  first: number;
  last: number;
}

const MAX_TARGETS = 32;

export class RefusalRecorder {
  private readonly burst: number;
  private readonly intervalMs: number;
  private windows = new Map<string, Window>();
  private windowStart: number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private counters = { individual: 0, suppressed: 0, summaries: 0 };

  constructor(
    private readonly ledger: GateLedger,
    private readonly now: () => number,
    private readonly log: GateLogger,
    o: RefusalRecorderOptions = {},
  ) {
    this.burst = o.burst ?? 20;
    this.intervalMs = o.intervalMs ?? 10_000;
    this.windowStart = now();
  }

  get stats(): { individual: number; suppressed: number; summaries: number } {
    return { ...this.counters };
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Writes the summaries of the current interval now and stops the timer. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** True when this refusal gets its own receipt; false when it is counted for the interval's summary. */
  admit(sourceKey: string, code: RefusalCode, target: string): boolean {
    const at = this.now();
    let w = this.windows.get(sourceKey);
    if (!w) {
      w = { individual: 0, suppressed: 0, byCode: new Map(), byTarget: new Map(), first: at, last: at };
      this.windows.set(sourceKey, w);
    }
    if (w.individual < this.burst) {
      w.individual += 1;
      this.counters.individual += 1;
      return true;
    }
    w.suppressed += 1;
    w.last = at;
    if (w.suppressed === 1) w.first = at;
    w.byCode.set(code, (w.byCode.get(code) ?? 0) + 1);
    if (w.byTarget.has(target) || w.byTarget.size < MAX_TARGETS) w.byTarget.set(target, (w.byTarget.get(target) ?? 0) + 1);
    else w.byTarget.set('(other)', (w.byTarget.get('(other)') ?? 0) + 1);
    this.counters.suppressed += 1;
    if (w.suppressed === 1) this.log.warn({ source: sourceKey, burst: this.burst, intervalMs: this.intervalMs }, 'refusals from this source are now summarized for the rest of the interval');
    return false;
  }

  /** Ends the interval: one denied_summary receipt per source that had suppressed refusals. */
  flush(): Promise<void> {
    const run = async () => {
      const windows = this.windows;
      const from = this.windowStart;
      this.windows = new Map();
      this.windowStart = this.now();
      for (const [source, w] of windows) {
        if (w.suppressed === 0) continue;
        const body: Json = {
          source,
          window: { from, to: this.windowStart },
          recorded: w.individual,
          count: w.suppressed,
          byCode: Object.fromEntries(w.byCode),
          byTarget: Object.fromEntries(w.byTarget),
          first: w.first,
          last: w.last,
        };
        try {
          await this.ledger.append('denied_summary', body);
          this.counters.summaries += 1;
        } catch (err) {
          // Keep the counts: merged into the next interval's summary.
          this.log.error({ source, count: w.suppressed, err: (err as Error).message }, 'refusal summary receipt could not be written; kept for the next interval');
          this.merge(source, w);
        }
      }
    };
    this.flushing = this.flushing.then(run, run);
    return this.flushing;
  }

  private merge(source: string, w: Window): void {
    const cur = this.windows.get(source);
    if (!cur) {
      this.windows.set(source, { ...w, individual: this.burst });
      return;
    }
    cur.suppressed += w.suppressed;
    cur.first = Math.min(cur.first, w.first);
    for (const [k, v] of w.byCode) cur.byCode.set(k, (cur.byCode.get(k) ?? 0) + v);
    for (const [k, v] of w.byTarget) cur.byTarget.set(k, (cur.byTarget.get(k) ?? 0) + v);
  }
}

/**
 * The key refusals are counted under: the identified actor; else the Modbus
 * source address without its port (a new connection is the same source);
 * else all unauthenticated OPC UA sessions together (a new session is free).
 */
export function sourceKeyOf(req: { readonly actor: string | null; readonly protocol: string; readonly source: string }): string {
  if (req.actor !== null) return `actor:${req.actor}`;
  if (req.protocol === 'modbus') return `modbus:${req.source.replace(/:\d+$/, '')}`;
  if (req.protocol === 'opcua') return 'opcua:unauthenticated';
  return `${req.protocol}:${req.source}`;
}
