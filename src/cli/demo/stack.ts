/**
 * The all-in-one demo stack on 127.0.0.1: broker, governance, PLC
 * simulators, gateway with both fronts, upstream, HTTP. Ports follow
 * docs/interface.md: --port-base N gives MQTT N, gateway Modbus N+1, gateway
 * OPC UA N+2, PLC Modbus N+3, PLC OPC UA N+4, HTTP N+5, and the dosing
 * drive (Modbus RTU framing over TCP, unit 2 at the gateway's front) N+6.
 */
import { existsSync } from 'node:fs';

import { loadSigningKey } from '../../crypto/key-ref.js';
import { pkcs11KeyMaker } from '../commands/keys-hardware.js';
import { startGovernanceService } from '../../governance/service.js';
import { startGateway } from '../../gateway/service.js';
import { buildFronts } from '../../gateway/fronts.js';
import { readUsersFile, startBroker } from '../../mqtt/index.js';
import { join } from 'node:path';
import { GatewayMetrics } from '../../ops/metrics.js';
import { gatewayRoutes } from '../../ops/gateway-routes.js';
import { startOpsServer } from '../../ops/http.js';
import { bindGatewayMetrics, gatewayChecks, replicationLag, timeLedgerAppends } from '../../ops/gateway-ops.js';
import { startConsole } from '../../console/index.js';
import { demoCurrentValue, demoTrends } from './console-sources.js';
import { withDeviceOverrides } from '../../policy/index.js';
import { TrustStore } from '../../tao/truststore.js';
import { initKeys } from '../keys-init.js';
import type { Logger } from '../log.js';
import { dataPaths, keyPaths } from '../paths.js';
import { loadProfileOrExit } from '../profile-source.js';
import { readSecret } from '../broker-creds.js';
import type { ReadyInfo } from './ports.js';
import { ensurePlcSecret, plcSecretFile } from '../plc-secret.js';
import { startSecuredReactor } from './reactor-plc.js';
import { plcPkiDir } from '../../gateway/opcua/pki-dir.js';
export type { ReadyInfo } from './ports.js';


export interface DemoOptions {
  readonly data: string;
  readonly portBase: number;
  readonly log: Logger;
  readonly profilePath?: string;
  /** Push every receipt (from the upstream's verified copy) into this InfluxDB. */
  readonly influx?: { readonly url: string; readonly db: string };
  /** Governance, gateway and upstream keys in this PKCS#11 token (RFC 7512 URI), created there on first start. */
  readonly pkcs11?: string;
}


export interface DemoStack {
  readonly ready: ReadyInfo;
  close(): Promise<void>;
}

export async function startDemoStack(o: DemoOptions): Promise<DemoStack> {
  const host = '127.0.0.1';
  const base = o.portBase;
  const paths = dataPaths(o.data);
  const loaded = loadProfileOrExit(o.profilePath);
  const profile = withDeviceOverrides(loaded, {
    skid: { host, port: base + 3 },
    reactor: { endpoint: `opc.tcp://${host}:${base + 4}` },
    ...(loaded.devices.has('dosing') && { dosing: { host, port: base + 6 } }),
  });
  const kp = keyPaths(paths.keys);
  if (!existsSync(kp.trust)) {
    const { created } = initKeys(paths.keys, profile, { tokenKey: pkcs11KeyMaker({ pkcs11: o.pkcs11 }) });
    o.log.info({ dir: paths.keys, files: created.length }, 'created demo keys');
  }
  const trust = TrustStore.load(kp.trust);
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch((err: Error) => o.log.warn({ err: err.message }, 'shutdown step failed'));
  };
  /**
   * Starts independent parts together. Every part that started gets its closer
   * (in the order given, so shutdown runs in reverse: dependents first), and
   * only then does the first failure propagate.
   */
  async function together(parts: readonly Promise<{ close(): Promise<void> | void }>[]): Promise<void> {
    const settled = await Promise.allSettled(parts);
    for (const r of settled) if (r.status === 'fulfilled') closers.push(async () => r.value.close());
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
  try {
    // Stage 1, independent: the broker and both PLC simulators (the field is there before the gateway).
    const simulators = Promise.all([import('../../../simulators/modbus/index.js')]);
    const brokerP = startBroker({ host, port: base, users: readUsersFile(kp.mqttUsers), log: (level, msg, obj) => o.log[level === 'warn' ? 'warn' : 'debug']({ svc: 'broker', ...obj }, msg) });
    const plcModbusP = simulators.then(([m]) => m.startModbusSim({ host, port: base + 3, logFile: join(paths.root, 'plc-modbus-writes.jsonl') }));
    // The dosing drive speaks RTU only (as behind a serial-to-Ethernet converter): RTU frames on N+6.
    const plcDosingP = simulators.then(([m]) => m.startModbusSim({ host, plant: 'dosing', unitId: 2, mbap: false, rtuPort: base + 6, logFile: join(paths.root, 'plc-dosing-writes.jsonl') }));
    // The reactor PLC is hardened (Basic256Sha256+, user login); the demo arranges the trust both ways.
    const gatewayPki = join(paths.root, 'pki', 'gateway-opcua');
    const plcOpcuaP = startSecuredReactor({
      host,
      port: base + 4,
      plcPkiDir: join(paths.root, 'pki', 'plc-opcua'),
      gatewayPlcPkiDir: plcPkiDir(gatewayPki),
      password: ensurePlcSecret(plcSecretFile(paths.keys)),
      logFile: join(paths.root, 'plc-opcua-log.jsonl'),
    });
    await together([brokerP, plcModbusP, plcOpcuaP, plcDosingP]);
    const [broker, plcModbus, plcOpcua, plcDosing] = [await brokerP, await plcModbusP, await plcOpcuaP, await plcDosingP];

    // Stage 2, each needing only the broker (and the gateway the PLCs): governance, gateway, upstream.
    const gatewayLog = o.log.child({ svc: 'gateway' });
    const metrics = new GatewayMetrics();
    // The upstream ledger node (DIR/upstream, one copy per gateway): verifies, acknowledges, cosigns.
    const upstreamModule = import('../../replication/upstream.js');
    // Keys first: a bad key file fails here, before any of the three is running.
    const signers = { governance: loadSigningKey(kp.governance).signer, gateway: loadSigningKey(kp.gateway).signer, upstream: loadSigningKey(kp.upstream).signer };
    const secrets = { governance: readSecret(kp.mqttSecret('governance')), gateway: readSecret(kp.mqttSecret(profile.gateway.id)), upstream: readSecret(kp.mqttSecret('upstream')) };
    const fronts = buildFronts(profile, { host, modbusPort: base + 1, opcuaPort: base + 2, opcuaPkiDir: gatewayPki, opcuaAutoAcceptClients: true, opcuaAllowNone: true, keysDir: paths.keys }, gatewayLog);
    const governanceP = startGovernanceService({
      url: broker.url,
      username: 'governance',
      password: secrets.governance,
      profile,
      trust,
      signer: signers.governance,
      log: o.log.child({ svc: 'governance' }),
      statePath: join(paths.root, 'governance', 'approvals.json'),
      breakglassDir: join(paths.root, 'governance', 'breakglass'),
    });
    const gatewayP = startGateway({
      observe: metrics.observe,
      profile,
      trust,
      signer: signers.gateway,
      ledgerDir: paths.gatewayLedger,
      mqtt: { url: broker.url, username: profile.gateway.id, password: secrets.gateway },
      log: gatewayLog,
      // Demo: OPC UA clients (UaExpert, ...) are trusted on first use (buildFronts above); a real gateway leaves that off.
      fronts,
    });
    const upstreamP = upstreamModule.then(({ startUpstream }) =>
      startUpstream({
        dir: paths.upstreamLedger,
        trust,
        signer: signers.upstream,
        mqtt: { url: broker.url, username: 'upstream', password: secrets.upstream },
        log: o.log.child({ svc: 'upstream' }),
      }),
    );
    // Closed in reverse: the gateway first, while the upstream and the broker still run, so that its
    // clean stop (the stop receipt and a checkpoint) is acknowledged and cosigned before they go.
    await together([governanceP, upstreamP, gatewayP]);
    const [governance, gateway, upstream] = [await governanceP, await gatewayP, await upstreamP];
    if (o.influx) {
      const { pushUpstreamToInflux } = await import('../../historian/upstream-push.js');
      const stopPush = await pushUpstreamToInflux(upstream, { influx: o.influx.url, db: o.influx.db, dir: paths.upstreamLedger, log: o.log.child({ svc: 'historian' }) });
      // Closed right after the gateway (the last closer so far) and before the upstream: it then pushes
      // the gateway's stop receipt and closing checkpoint too, before the upstream copy closes.
      closers.splice(closers.length - 1, 0, stopPush);
    }

    timeLedgerAppends(gateway.ledger, metrics);
    bindGatewayMetrics(metrics, () => gateway, { pendingApprovals: () => governance.governance.queue.list().length });
    const approverConsole = startConsole(
      {
        role: 'demo',
        governance: () => governance.governance,
        ledger: () => gateway.ledger,
        trust,
        trend: demoTrends(profile, plcModbus, plcOpcua),
        currentValue: demoCurrentValue(profile, plcModbus, plcOpcua),
        replicationLag: () => replicationLag(gateway),
      },
      { log: o.log.child({ svc: 'console' }) },
    );
    closers.push(async () => approverConsole.close());
    const http = await startOpsServer({
      host,
      port: base + 5,
      registry: metrics.registry,
      checks: gatewayChecks(() => gateway),
      routes: [...gatewayRoutes(() => gateway), ...approverConsole.routes],
    });
    closers.push(() => http.close());

    const ready: ReadyInfo = {
      mqtt: broker.url,
      modbus: gateway.addresses.modbus ?? `${host}:${base + 1}`,
      opcua: gateway.addresses.opcua ?? `opc.tcp://${host}:${base + 2}`,
      plc: { modbus: plcModbus.address, opcua: plcOpcua.endpoint, dosing: plcDosing.rtuAddress ?? `${host}:${base + 6}` },
      http: http.url,
      data: paths.root,
    };
    return { ready, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

