/**
 * The trend view's server side: samples each process value (and its
 * setpoint) every `periodMs` into a ring of the last `keep` samples, and
 * pushes every round to open pages. Authorized writes are marked on the
 * trend from the ledger's committed receipts (the page adds new ones as the
 * receipts stream in).
 */
import type { EventHub } from './events.js';
import type { TrendSeriesSource } from './sources.js';

/** [ts, pv, sp | null] */
export type Sample = [number, number, number | null];

export interface TrendSeriesView {
  readonly tag: string;
  readonly label: string;
  readonly units: string;
  readonly setpoint?: string;
  readonly marks: readonly string[];
  readonly samples: readonly Sample[];
}

export class TrendSampler {
  private readonly rings = new Map<string, Sample[]>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly series: readonly TrendSeriesSource[],
    hub: EventHub,
    private readonly periodMs = 500,
    private readonly keep = 1200,
  ) {
    for (const s of series) this.rings.set(s.tag, []);
    if (series.length === 0) return;
    this.sample(); // a first point at once
    this.timer = setInterval(() => {
      const round = this.sample();
      if (Object.keys(round).length > 0) hub.emit('trend', round);
    }, periodMs);
    this.timer.unref();
  }

  /** Every series with its samples so far (what a page starts from). */
  view(): TrendSeriesView[] {
    return this.series.map((s) => ({
      tag: s.tag,
      label: s.label,
      units: s.units,
      ...(s.setpoint ? { setpoint: s.setpoint } : {}),
      marks: s.marks,
      samples: this.rings.get(s.tag) ?? [],
    }));
  }

  /** Tags whose committed writes are marked on some trend. */
  markedTags(): Set<string> {
    return new Set(this.series.flatMap((s) => s.marks));
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private sample(): Record<string, Sample> {
    const now = Date.now();
    const round: Record<string, Sample> = {};
    for (const s of this.series) {
      let v: { pv: number; sp?: number } | undefined;
      try {
        v = s.read();
      } catch {
        v = undefined;
      }
      if (!v || !Number.isFinite(v.pv)) continue;
      const sample: Sample = [now, round3(v.pv), v.sp !== undefined && Number.isFinite(v.sp) ? round3(v.sp) : null];
      const ring = this.rings.get(s.tag)!;
      ring.push(sample);
      if (ring.length > this.keep) ring.splice(0, ring.length - this.keep);
      round[s.tag] = sample;
    }
    return round;
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
