/**
 * Break-glass review on governance's ops HTTP endpoint (local / admin network only):
 *   GET /api/breakglass[?pending=1]   the review list: {windows:[...], sync:{...}}
 * /readyz reports `breakglass` degraded while a window awaits review (or the
 * upstream has not answered the catch-up), and taogate_breakglass_unreviewed
 * counts the windows not reviewed yet. Reviews are recorded over MQTT only
 * (`taogate breakglass review --ack`), signed by the reviewer's own key.
 */
import { Gauge, type Registry } from 'prom-client';
import type { GovernanceService } from '../governance/service.js';
import { json, type ReadinessCheck, type Route } from './http.js';

export function governanceBreakglassRoutes(svc: GovernanceService): Route[] {
  return [
    async (req, res, url) => {
      if (url.pathname !== '/api/breakglass') return false;
      if (req.method !== 'GET') {
        json(res, 405, { ok: false, code: 'malformed', reason: 'GET the review list; reviews are signed and sent with taogate breakglass review --ack' });
        return true;
      }
      const bg = svc.breakglass;
      if (!bg) {
        json(res, 404, { ok: false, code: 'malformed', reason: 'break-glass review is not enabled on this governance node' });
        return true;
      }
      const pending = url.searchParams.get('pending');
      json(res, 200, { windows: await bg.reviews.list({ pending: pending === '1' || pending === 'true' }), sync: bg.intake.syncState(), intake: bg.intake.stats });
      return true;
    },
  ];
}

/** Ready, but degraded while break-glass windows await review or the catch-up is unanswered for a minute. */
export function governanceBreakglassCheck(svc: GovernanceService): ReadinessCheck {
  return async () => {
    const bg = svc.breakglass;
    if (!bg) return { ok: true, detail: 'break-glass review not enabled' };
    const waiting = (await bg.reviews.list({ pending: true }));
    const sync = bg.intake.syncState();
    const details: string[] = [];
    if (waiting.length > 0) details.push(`${waiting.length} break-glass window(s) await review: ${waiting.map((w) => `${w.gateway} grant ${w.grant} (${w.state}, ${w.writes.length} write(s))`).join('; ')}`);
    if (sync.waiting.length > 0 && sync.askedAt > 0 && Date.now() - sync.askedAt > 60_000) details.push(`the upstream has not answered the break-glass catch-up for ${sync.waiting.join(', ')} since ${new Date(sync.askedAt).toISOString()}`);
    if (sync.lastRejected) details.push(`last rejected feed message: ${sync.lastRejected}`);
    return details.length === 0 ? { ok: true, detail: 'every break-glass window reviewed' } : { ok: true, degraded: true, detail: details.join('; ') };
  };
}

/** taogate_breakglass_unreviewed: windows (open or closed) without a complete review. */
export function bindGovernanceBreakglassMetrics(registry: Registry, svc: GovernanceService): void {
  new Gauge({
    name: 'taogate_breakglass_unreviewed',
    help: 'break-glass windows governance learned of that are not reviewed yet (open ones included)',
    registers: [registry],
    async collect() {
      this.set(svc.breakglass ? (await svc.breakglass.reviews.list({ pending: true })).length : 0);
    },
  });
}
