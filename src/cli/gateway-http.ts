/** Calls to a running gateway's ops HTTP endpoint (settle, break-glass): JSON in, JSON out, one clear error. */
import { CliError, EXIT } from './exit.js';

export async function callGateway(gateway: string, path: string, method: 'GET' | 'POST', body?: unknown): Promise<Record<string, unknown>> {
  let url: URL;
  try {
    url = new URL(path, gateway);
  } catch {
    throw new CliError(`--gateway: not a URL: '${gateway}'`, EXIT.usage);
  }
  let res: Response;
  try {
    res = await fetch(url, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new CliError(`cannot reach the gateway at ${url.origin}: ${(err as Error).message}`);
  }
  const text = await res.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CliError(`${url.href}: HTTP ${res.status}, not JSON: ${text.slice(0, 120)}`);
  }
}
