// Trend: a tag's process value (and its setpoint) over time, inline SVG, with
// every authorized write (committed receipt) marked where it happened.
import { clock, el, short, svg, withUnits } from './format.js';

const $ = (id) => document.getElementById(id);
const W = 900;
const H = 320;
const M = { left: 60, right: 16, top: 28, bottom: 30 };

export class TrendView {
  constructor() {
    this.series = new Map();
    this.marks = [];
    this.select = $('trend-tag');
    this.windowSel = $('trend-window');
    this.svg = $('trend-svg');
    this.pending = false;
    this.marksKey = '';
    this.select.addEventListener('change', () => this.draw(true));
    this.windowSel.addEventListener('change', () => this.draw(true));
    document.addEventListener('view-shown', (e) => e.detail === 'trend' && this.draw(true));
  }

  update(t) {
    if (t.reset) {
      this.series = new Map(t.series.map((s) => [s.tag, { ...s, samples: [...s.samples] }]));
      this.marks = [...t.marks];
      const keep = this.select.value;
      this.select.replaceChildren(...t.series.map((s) => el('option', { value: s.tag, text: `${s.label} (${s.tag})` })));
      if (keep && this.series.has(keep)) this.select.value = keep;
      $('trend-unavailable').hidden = t.series.length > 0;
    } else {
      const horizon = Date.now() - 15 * 60_000;
      for (const [tag, sample] of Object.entries(t)) {
        const s = this.series.get(tag);
        if (!s) continue;
        s.samples.push(sample);
        while (s.samples.length && s.samples[0][0] < horizon) s.samples.shift();
      }
    }
    this.schedule();
  }

  addReceipts({ rows }) {
    const marked = new Set([...this.series.values()].flatMap((s) => s.marks));
    let added = false;
    for (const r of rows) {
      if (r.kind === 'committed' && marked.has(r.target) && !this.marks.some((m) => m.seq === r.seq)) {
        this.marks.push(r);
        added = true;
      }
    }
    if (added) this.schedule();
  }

  schedule() {
    if (this.pending || $('view-trend').hidden) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw(force = false) {
    if ($('view-trend').hidden && !force) return;
    const s = this.series.get(this.select.value);
    if (!s) return;
    const span = Number(this.windowSel.value) * 1000;
    const t1 = Date.now();
    const t0 = t1 - span;
    const pts = s.samples.filter((p) => p[0] >= t0);
    const marks = this.marks.filter((m) => m.ts >= t0 && s.marks.includes(m.target));
    let lo = Infinity;
    let hi = -Infinity;
    for (const [, pv, sp] of pts) {
      lo = Math.min(lo, pv, sp ?? pv);
      hi = Math.max(hi, pv, sp ?? pv);
    }
    if (!Number.isFinite(lo)) {
      lo = 0;
      hi = 1;
    }
    const pad = Math.max((hi - lo) * 0.1, 1);
    lo -= pad;
    hi += pad;
    const x = (t) => M.left + ((t - t0) / span) * (W - M.left - M.right);
    const y = (v) => H - M.bottom - ((v - lo) / (hi - lo)) * (H - M.top - M.bottom);

    const grid = svg('g', { class: 'grid' });
    const axis = svg('g', { class: 'axis' });
    for (let i = 0; i <= 4; i++) {
      const v = lo + ((hi - lo) * i) / 4;
      grid.append(svg('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }));
      axis.append(svg('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, document.createTextNode(v.toFixed(1))));
    }
    for (let i = 0; i <= 5; i++) {
      const t = t0 + (span * i) / 5;
      axis.append(svg('text', { x: x(t), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === 5 ? 'end' : 'middle' }, document.createTextNode(clock(t))));
    }
    axis.append(svg('text', { x: 4, y: 14 }, document.createTextNode(s.units)));

    const line = (get) =>
      pts
        .filter((p) => get(p) !== null)
        .map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(get(p)).toFixed(1)}`)
        .join('');
    const stepped = (get) => {
      let d = '';
      let prev;
      for (const p of pts) {
        const v = get(p);
        if (v === null) continue;
        d += d ? `H${x(p[0]).toFixed(1)}${v !== prev ? `V${y(v).toFixed(1)}` : ''}` : `M${x(p[0]).toFixed(1)},${y(v).toFixed(1)}`;
        prev = v;
      }
      return d;
    };
    const markG = svg('g', {});
    const rows = []; // x of the last label in each text row: close marks get their labels on separate rows
    for (const m of marks) {
      const mx = x(m.ts);
      let row = rows.findIndex((rx) => Math.abs(mx - rx) > 170);
      if (row < 0) row = rows.length;
      rows[row] = mx;
      const ty = M.top + 12 + 14 * (row % 8);
      markG.append(
        svg(
          'g',
          { class: 'mark', 'data-seq': m.seq },
          svg('title', {}, document.createTextNode(`${clock(m.ts)} ${m.target} = ${m.value} by ${m.actor} (TAO ${m.jti})`)),
          svg('line', { x1: mx, x2: mx, y1: M.top, y2: H - M.bottom }),
          svg('path', { d: `M${mx - 5},${M.top - 10}L${mx + 5},${M.top - 10}L${mx},${M.top}Z` }),
          // the label sits right of the line, or left of it near the right edge
          svg('text', mx > W - 180 ? { x: mx - 4, y: ty, 'text-anchor': 'end' } : { x: mx + 4, y: ty }, document.createTextNode(`${m.target.split('.').pop()} = ${m.value}`)),
        ),
      );
    }
    this.svg.replaceChildren(
      svg('title', { id: 'trend-title' }, document.createTextNode(`${s.label} (${s.tag}), last ${span / 60000} min`)),
      svg('desc', { id: 'trend-desc' }, document.createTextNode(`${pts.length} samples; ${marks.length} authorized writes marked.`)),
      grid,
      axis,
      s.setpoint ? svg('path', { class: 'sp', d: stepped((p) => p[2]) }) : null,
      svg('path', { class: 'pv', d: line((p) => p[1]) }),
      markG,
    );
    const last = pts[pts.length - 1];
    $('trend-now').textContent = last ? `${s.tag} now ${withUnits(last[1].toFixed(2), s.units)}${s.setpoint && last[2] !== null ? `, setpoint ${s.setpoint} ${withUnits(last[2], s.units)}` : ''}` : 'no samples yet';

    const key = marks.map((m) => m.seq).join(',');
    if (key !== this.marksKey || force) {
      this.marksKey = key;
      const list = $('trend-marks');
      list.replaceChildren(
        ...(marks.length
          ? marks
              .slice()
              .reverse()
              .map((m) => el('li', { text: `${clock(m.ts)}: ${m.target} = ${m.value}, by ${m.actor}, TAO ${short(m.jti, 10)}` }))
          : [el('li', { text: 'none' })]),
      );
    }
  }
}
