/**
 * Progress for long work (ledger verify, export, historian catch-up): a bar
 * with count, rate and ETA on stderr, only when a person is watching: both
 * stderr and stdout are terminals. Piped or redirected (`| jq`, `> out.txt`,
 * CI logs) or asked for machine-readable output, it stays silent, so the
 * output is only the result. The total for the ETA comes from the caller
 * (for a ledger: its stored head).
 */
export interface Progress {
  update: (n: number, total?: number) => void;
  done: () => void;
}

export function progressReporter(
  label: string,
  quiet: boolean,
  stream: NodeJS.WriteStream = process.stderr,
  interactive: boolean = stream.isTTY === true && process.stdout.isTTY === true,
): Progress {
  if (quiet || !interactive) return { update: () => {}, done: () => {} };
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
      line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${n}/${known} ${Math.round(rate)}/s ETA ${duration(eta)}`;
    } else line = `${label} ${n} ${Math.round(rate)}/s ${duration(secs)}`;
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

/** 7s, 1m05s, 2h03m. */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
