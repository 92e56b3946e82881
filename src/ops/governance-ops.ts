/**
 * The ops endpoint of a governance node (`taogate governance --http`): its
 * own small registry (pending approvals, process metrics) and readiness
 * (connected to the broker). The console is served beside it.
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { GovernanceService } from '../governance/service.js';
import { brokerLink } from './gateway-ops.js';
import { bindGovernanceBreakglassMetrics, governanceBreakglassCheck } from './governance-breakglass.js';
import type { ReadinessCheck } from './http.js';

export function governanceRegistry(svc: GovernanceService): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry }); // process_* / nodejs_*, as the Prometheus Node.js conventions name them
  new Gauge({ name: 'taogate_broker_up', help: '1 while connected to the MQTT broker', registers: [registry], collect() { this.set(svc.client.connected ? 1 : 0); } });
  new Gauge({
    name: 'taogate_pending_approvals',
    help: 'Approval requests waiting for approvers',
    registers: [registry],
    collect() {
      svc.governance.queue.expire(Date.now());
      this.set(svc.governance.queue.list().length);
    },
  });
  bindGovernanceBreakglassMetrics(registry, svc);
  return registry;
}

export function governanceChecks(svc: GovernanceService): Record<string, ReadinessCheck> {
  return {
    broker: brokerLink(() => svc.mqttState(), 'governance'),
    breakglass: governanceBreakglassCheck(svc),
  };
}
