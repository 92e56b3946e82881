/**
 * Progress for long work (ledger verify, export, historian catch-up): a bar
 * with count, rate and ETA on a TTY (stderr); silent when not on a TTY or
 * when the result is machine-readable.
 */
export interface Progress {
  update: (n: number, total?: number) => void;
  done: () => void;
}

export function progressReporter(label: string, quiet: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (quiet || !stream.isTTY) return { update: () => {}, done: () => {} };
  const started = performance.now();
  let last = 0;
  let shown = false;
  let known: number | undefined;
  const draw = (n: number) => {
    const secs = (performance.now() - started) / 1000;
    const rate = secs > 0 ? n / secs : 0;
    let line: string;
    if (known && known > 0) {
      const frac = Math.min(1, n / known);
      const width = 30;
      const filled = Math.round(frac * width);
      const eta = rate > 0 ? (known - n) / rate : 0;
      line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${n}/${known} ${Math.round(rate)}/s ETA ${eta.toFixed(0)}s`;
    } else line = `${label} ${n} ${Math.round(rate)}/s ${secs.toFixed(1)}s`;
    stream.write(`\r${line}\x1b[K`);
    shown = true;
  };
  return {
    update: (n, total) => {
      if (total !== undefined) known = total;
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      draw(n);
    },
    done: () => {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
