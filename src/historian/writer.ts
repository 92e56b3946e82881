/**
 * Writes line-protocol batches to an InfluxDB HTTP write endpoint with
 * plain fetch: InfluxDB 1.x `POST /write?db=NAME&precision=ns` (2.x serves
 * the same endpoint for compatibility; pass a token for it). 204 = written.
 */
export class InfluxWriteError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    /** 4xx other than 429: the data is refused, retrying will not help. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'InfluxWriteError';
  }
}

export interface InfluxTarget {
  readonly url: string;
  readonly db: string;
  readonly token?: string;
  readonly timeoutMs?: number;
}

export class InfluxWriter {
  constructor(private readonly t: InfluxTarget) {}

  private headers(): Record<string, string> {
    return { 'content-type': 'text/plain; charset=utf-8', ...(this.t.token ? { authorization: `Token ${this.t.token}` } : {}) };
  }

  /** InfluxDB 1.x: CREATE DATABASE (idempotent). Failure is not fatal (2.x has buckets instead). */
  async ensureDatabase(): Promise<boolean> {
    try {
      const res = await fetch(new URL(`/query?q=${encodeURIComponent(`CREATE DATABASE "${this.t.db.replace(/"/g, '\\"')}"`)}`, this.t.url), {
        method: 'POST',
        headers: this.headers(),
        signal: AbortSignal.timeout(this.t.timeoutMs ?? 10_000),
      });
      return res.ok;
    } catch {
      return false;
    }
  }

  async write(lines: readonly string[]): Promise<void> {
    const url = new URL(`/write?db=${encodeURIComponent(this.t.db)}&precision=ns`, this.t.url);
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: this.headers(), body: lines.join('\n') + '\n', signal: AbortSignal.timeout(this.t.timeoutMs ?? 10_000) });
    } catch (err) {
      throw new InfluxWriteError(`InfluxDB ${this.t.url} unreachable: ${(err as Error).message}`, undefined, false);
    }
    if (res.status === 204 || res.status === 200) return;
    const text = (await res.text().catch(() => '')).slice(0, 300);
    throw new InfluxWriteError(`InfluxDB ${this.t.url} answered ${res.status}: ${text}`, res.status, res.status >= 400 && res.status < 500 && res.status !== 429);
  }
}
