/**
 * `--http PORT` of `taogate governance` and `taogate gateway`: the ops
 * endpoint (/healthz, /readyz, /metrics) and the approver console, on
 * 127.0.0.1 unless --http-host says otherwise. The governance node serves the
 * approvals view (it holds the queue); a gateway serves receipts and chain
 * health (it holds the ledger). Neither sees the other's data.
 */
import { startConsole } from '../console/index.js';
import type { GatewayService } from '../gateway/service.js';
import type { GovernanceService } from '../governance/service.js';
import { bindGatewayMetrics, gatewayChecks, replicationLag, timeLedgerAppends } from '../ops/gateway-ops.js';
import { governanceBreakglassRoutes } from '../ops/governance-breakglass.js';
import { governanceChecks, governanceRegistry } from '../ops/governance-ops.js';
import { gatewayRoutes } from '../ops/gateway-routes.js';
import { startOpsServer } from '../ops/http.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { TrustStore } from '../tao/truststore.js';
import type { Logger } from './log.js';

export interface HttpOpts {
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
}

export interface RunningHttp {
  readonly url: string;
  close(): Promise<void>;
}

export async function startGovernanceHttp(svc: GovernanceService, o: HttpOpts): Promise<RunningHttp> {
  const approverConsole = startConsole({ role: 'governance', governance: () => svc.governance }, { log: o.log.child({ svc: 'console' }) });
  const server = await startOpsServer({ host: o.host, port: o.port, registry: governanceRegistry(svc), checks: governanceChecks(svc), routes: [...governanceBreakglassRoutes(svc), ...approverConsole.routes] });
  return {
    url: server.url,
    async close() {
      approverConsole.close();
      await server.close();
    },
  };
}

export async function startGatewayHttp(gw: GatewayService, metrics: GatewayMetrics, trust: TrustStore, o: HttpOpts): Promise<RunningHttp> {
  timeLedgerAppends(gw.ledger, metrics);
  bindGatewayMetrics(metrics, () => gw);
  const approverConsole = startConsole({ role: 'gateway', ledger: () => gw.ledger, trust, replicationLag: () => replicationLag(gw) }, { log: o.log.child({ svc: 'console' }) });
  const server = await startOpsServer({ host: o.host, port: o.port, registry: metrics.registry, checks: gatewayChecks(() => gw), routes: [...gatewayRoutes(() => gw), ...approverConsole.routes] });
  return {
    url: server.url,
    async close() {
      approverConsole.close();
      await server.close();
    },
  };
}
