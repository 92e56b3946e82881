/**
 * The `http` option of a test cell: the ops endpoint (/healthz, /readyz,
 * /metrics) and the approver console on an ephemeral 127.0.0.1 port, wired
 * as the demo wires them, following governance and gateway restarts.
 */
import { startConsole } from '../../src/console/index.js';
import { bindGatewayMetrics, gatewayChecks, replicationLag, timeLedgerAppends } from '../../src/ops/gateway-ops.js';
import { gatewayRoutes } from '../../src/ops/gateway-routes.js';
import { startOpsServer } from '../../src/ops/http.js';
import type { GatewayMetrics } from '../../src/ops/metrics.js';
import type { Cell } from './cell.js';

export interface CellHttp {
  readonly url: string;
  readonly metrics: GatewayMetrics;
  close(): Promise<void>;
}

export async function startCellHttp(cell: Cell, metrics: GatewayMetrics): Promise<CellHttp> {
  // Time the appends of whichever ledger is current (a restarted gateway opens a new one).
  const gateway = () => {
    timeLedgerAppends(cell.gateway.ledger, metrics);
    return cell.gateway;
  };
  gateway();
  bindGatewayMetrics(metrics, gateway, { pendingApprovals: () => cell.governance?.governance.queue.list().length ?? 0 });
  const approverConsole = startConsole({
    role: 'test cell',
    governance: () => cell.governance?.governance,
    ledger: () => gateway().ledger,
    trust: cell.trust,
    replicationLag: () => replicationLag(cell.gateway),
    trend: cell.plc
      ? [{ tag: 'skid.flow_pv', label: 'Measured flow', units: 'm3/h', setpoint: 'skid.flow_sp', marks: ['skid.flow_sp'], read: () => ({ pv: cell.plc!.readInputFloat32(0), sp: cell.plc!.readFloat32(100) }) }]
      : [],
  });
  const server = await startOpsServer({ host: '127.0.0.1', port: 0, registry: metrics.registry, checks: gatewayChecks(gateway), routes: [...gatewayRoutes(gateway), ...approverConsole.routes] });
  return {
    url: server.url,
    metrics,
    async close() {
      approverConsole.close();
      await server.close();
    },
  };
}
