/**
 * The ops endpoint of the upstream ledger node (`taogate upstream --http`):
 * /healthz, /readyz (broker connected, no alarm held) and /metrics (process
 * metrics, broker link, and per followed gateway: held seq, verified
 * receipts, alarms, seconds since its last receipts were stored).
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { UpstreamNode } from '../replication/upstream.js';
import { brokerLink } from './gateway-ops.js';
import type { ReadinessCheck } from './http.js';

export function upstreamRegistry(node: UpstreamNode): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: 'taogate_broker_up', help: '1 while connected to the MQTT broker', registers: [registry], collect() { this.set(node.client.connected ? 1 : 0); } });
  const perGateway = (name: string, help: string, read: (g: ReturnType<UpstreamNode['status']>['gateways'][number]) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['gateway'] as const,
      registers: [registry],
      collect() {
        for (const g of node.status().gateways) {
          const v = read(g);
          if (v !== undefined) this.set({ gateway: g.gateway }, v);
        }
      },
    });
  perGateway('taogate_upstream_held_seq', 'Highest contiguous receipt seq verified and stored for the gateway', (g) => g.held.seq);
  perGateway('taogate_upstream_verified_receipts', 'Receipts verified for the gateway since this upstream started', (g) => g.verified);
  perGateway('taogate_upstream_alarms', 'Alarms held for the gateway (fork, regression, bad signature ...); any is an incident', (g) => g.alarms.length);
  perGateway('taogate_upstream_last_receipt_age_seconds', 'Seconds since receipts of the gateway were last stored (absent until the first)', (g) => {
    const at = node.lastApplied(g.gateway);
    return at === undefined ? undefined : (Date.now() - at) / 1000;
  });
  return registry;
}

export function upstreamChecks(node: UpstreamNode): Record<string, ReadinessCheck> {
  return {
    broker: brokerLink(() => node.mqttState(), 'upstream'),
    alarms: () => {
      const held = node.status().gateways.filter((g) => g.alarms.length > 0);
      return held.length === 0 ? { ok: true } : { ok: false, detail: held.map((g) => `${g.gateway}: ${g.alarms.map((a) => `${a.kind} at seq ${a.seq}`).join(', ')}`).join('; ') };
    },
  };
}
