/**
 * Break-glass on the gateway's ops HTTP endpoint (cell network / loopback only):
 *   GET  /api/breakglass        the window: {open, grant, signers, tags, reason, exp, writes}
 *   POST /api/breakglass        a grant (taogate breakglass present): opens the window;
 *                               the supervisors' signatures are the authorization, checked by the gate
 *   POST /api/breakglass/close  {by}: ends the window early (taogate breakglass close)
 * While a window is open, /readyz reports `breakglass` degraded with a loud
 * detail, and taogate_breakglass_open is 1.
 */
import { Gauge, type Registry } from 'prom-client';
import type { GatewayService } from '../gateway/service.js';
import { json, readBody, type ReadinessCheck, type Route } from './http.js';

const MAX_BODY = 32 * 1024;

export function breakglassRoutes(gateway: () => GatewayService): Route[] {
  return [
    async (req, res, url) => {
      if (url.pathname !== '/api/breakglass' && url.pathname !== '/api/breakglass/close') return false;
      const glass = gateway().gate.breakglass;
      if (req.method === 'GET' && url.pathname === '/api/breakglass') {
        json(res, 200, { gateway: gateway().gate.profile.gateway.id, ...glass.status() });
        return true;
      }
      if (req.method !== 'POST') {
        json(res, 405, { ok: false, code: 'malformed', reason: 'GET the window, POST a grant, POST /api/breakglass/close' });
        return true;
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req, MAX_BODY));
      } catch (err) {
        json(res, 400, { ok: false, code: 'malformed', reason: `body: ${(err as Error).message}` });
        return true;
      }
      const source = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
      const by = typeof (body as { by?: unknown })?.by === 'string' ? String((body as { by: string }).by).slice(0, 64) : source;
      const result = url.pathname === '/api/breakglass' ? await glass.open(body, source) : await glass.close(by);
      json(res, result.ok ? 200 : 409, result);
      return true;
    },
  ];
}

/** Ready, but degraded and loud while a break-glass window is open. */
export function breakglassCheck(gateway: () => GatewayService): ReadinessCheck {
  return () => {
    const s = gateway().gate.breakglass.status();
    if (!s.open) return { ok: true, detail: 'no break-glass window' };
    const until = new Date((s.exp ?? 0) * 1000).toISOString();
    return { ok: true, degraded: true, detail: `BREAK-GLASS WINDOW OPEN: grant ${s.grant} signed by ${(s.signers ?? []).join(', ')}, tags ${(s.tags ?? []).join(',')}, until ${until}, ${s.writes ?? 0} write(s) without a TAO; reason: ${s.reason ?? ''}` };
  };
}

/** taogate_breakglass_open (0/1) and taogate_breakglass_writes (writes in the open window). */
export function bindBreakglassMetrics(registry: Registry, gateway: () => GatewayService): void {
  if (registry.getSingleMetric('taogate_breakglass_open')) return;
  const status = () => {
    try {
      return gateway().gate.breakglass.status();
    } catch {
      return { open: false, writes: 0 };
    }
  };
  new Gauge({ name: 'taogate_breakglass_open', help: '1 while a break-glass window is open (writes pass without a TAO)', registers: [registry], collect() { this.set(status().open ? 1 : 0); } });
  new Gauge({ name: 'taogate_breakglass_writes', help: 'writes forwarded in the open break-glass window', registers: [registry], collect() { this.set(status().writes ?? 0); } });
}
