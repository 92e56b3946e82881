/**
 * Gateway routes on the ops HTTP endpoint (cell network / loopback only),
 * besides the break-glass routes (./breakglass-routes.ts):
 *   GET  /api/indeterminate  the open indeterminate outcomes (an alarm each)
 *   POST /api/settle         a person's signed settlement of one (see
 *                            `taogate ledger settle`); the signature is the
 *                            authorization, checked by the gate.
 */
import type { GatewayService } from '../gateway/service.js';
import { breakglassRoutes } from './breakglass-routes.js';
import { json, readBody, type ReadinessCheck, type Route } from './http.js';

const MAX_BODY = 16 * 1024;

export function gatewayRoutes(gateway: () => GatewayService): Route[] {
  return [
    ...breakglassRoutes(gateway),
    async (req, res, url) => {
      if (url.pathname !== '/api/indeterminate' || req.method !== 'GET') return false;
      const gw = gateway();
      json(res, 200, { gateway: gw.gate.profile.gateway.id, open: gw.gate.indeterminates.list() });
      return true;
    },
    async (req, res, url) => {
      if (url.pathname !== '/api/settle') return false;
      if (req.method !== 'POST') {
        json(res, 405, { ok: false, code: 'malformed', reason: 'POST a signed settlement' });
        return true;
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req, MAX_BODY));
      } catch (err) {
        json(res, 400, { ok: false, code: 'malformed', reason: `body: ${(err as Error).message}` });
        return true;
      }
      const result = await gateway().gate.settle(body);
      json(res, result.ok ? 200 : 409, result);
      return true;
    },
  ];
}

/** Degraded (not unready) while indeterminate outcomes wait for a person: writes still flow. */
export function outcomesCheck(gateway: () => GatewayService): ReadinessCheck {
  return () => {
    const open = gateway().gate.indeterminates.list();
    if (open.length === 0) return { ok: true, detail: 'no open indeterminate outcomes' };
    const shown = open.slice(0, 10).map((e) => `${e.intent} (${e.target})`);
    return { ok: true, degraded: true, detail: `degraded: ${open.length} indeterminate outcome(s) need settling (taogate ledger settle): intent ${shown.join(', ')}${open.length > 10 ? ', ...' : ''}` };
  };
}
