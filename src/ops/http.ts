/**
 * The HTTP endpoint of a gateway or demo: /healthz (alive), /readyz (every
 * readiness check passes; 503 with the failing ones otherwise), /metrics
 * (Prometheus), plus routes added by the console. Listens on 127.0.0.1
 * unless configured otherwise.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** ok false: not ready (503). degraded: ready, but something needs a person (reported, still 200). */
export interface CheckResult {
  ok: boolean;
  degraded?: boolean;
  detail?: string;
}

export type ReadinessCheck = () => Promise<CheckResult> | CheckResult;

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly routes?: readonly Route[];
}

export interface OpsServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startOpsServer(o: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    void handle(o, req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${err.message}\n`);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    url: `http://${o.host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(o: OpsServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/healthz') return json(res, 200, { ok: true });
  if (req.method === 'GET' && url.pathname === '/readyz') {
    const results: Record<string, CheckResult> = {};
    for (const [name, check] of Object.entries(o.checks)) {
      try {
        results[name] = await check();
      } catch (err) {
        results[name] = { ok: false, detail: (err as Error).message };
      }
    }
    const ok = Object.values(results).every((r) => r.ok);
    const degraded = Object.values(results).some((r) => r.degraded === true);
    return json(res, ok ? 200 : 503, { ok, ...(degraded ? { degraded } : {}), checks: results });
  }
  if (req.method === 'GET' && url.pathname === '/metrics') {
    const body = await o.registry.metrics();
    res.writeHead(200, { 'content-type': o.registry.contentType });
    res.end(body);
    return;
  }
  for (const route of o.routes ?? []) if (await route(req, res, url)) return;
  json(res, 404, { error: 'not found', path: url.pathname });
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** A request body as text, refused (rejected) beyond maxBytes. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(new Error(`larger than ${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
