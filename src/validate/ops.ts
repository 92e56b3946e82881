/** The installation's HTTP endpoint (ops + console API): chain status, readiness, its clock. */
export interface ChainView {
  readonly available: boolean;
  readonly count: number;
  readonly headSeq: number;
  readonly head: string;
  readonly replicationLag: number | null;
  readonly lastVerify?: { readonly ok: boolean; readonly count: number; readonly head: string; readonly firstBad?: number; readonly reason?: string };
  readonly problem?: string;
}

export interface Readiness {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export class OpsClient {
  constructor(readonly base: string) {}

  async chain(): Promise<ChainView> {
    const res = await fetch(`${this.base}/api/chain`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`GET ${this.base}/api/chain answered ${res.status}`);
    return (await res.json()) as ChainView;
  }

  async readyz(): Promise<Readiness> {
    const res = await fetch(`${this.base}/readyz`, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { text };
    }
    return { status: res.status, body };
  }

  /** The endpoint's clock (HTTP Date header, second resolution) and when we asked, in ms since the epoch. */
  async clock(): Promise<{ remoteMs: number; localMs: number; rttMs: number }> {
    const before = Date.now();
    const res = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(10_000) });
    const after = Date.now();
    await res.arrayBuffer();
    const date = res.headers.get('date');
    if (!date) throw new Error(`${this.base}/healthz sent no Date header`);
    return { remoteMs: Date.parse(date), localMs: Math.round((before + after) / 2), rttMs: after - before };
  }
}
