/**
 * A whole cell in-process for integration tests: a real aedes broker, the
 * governance node, the gateway (ledger in a temp dir, optional Modbus front)
 * and the Modbus PLC simulator, all on 127.0.0.1 ephemeral ports, with keys
 * made by `keys init` into the temp dir. close() stops everything and removes
 * the temp dir.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPrivateKeyFile } from '../../src/crypto/keyfile.js';
import { initKeys } from '../../src/cli/keys-init.js';
import { keyPaths } from '../../src/cli/paths.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { buildFronts } from '../../src/gateway/fronts.js';
import { startGateway, type GatewayReplicationOptions, type GatewayService } from '../../src/gateway/service.js';
import { silentLogger } from '../../src/gateway/gate/ports.js';
import { startGovernanceService, type GovernanceService } from '../../src/governance/service.js';
import { connectMqtt, readUsersFile, Requester, startBroker, topics, type Broker, type MqttClient } from '../../src/mqtt/index.js';
import { loadProfile, withDeviceOverrides } from '../../src/policy/index.js';
import type { Profile } from '../../src/policy/types.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { startModbusSim, type ModbusSim } from '../../simulators/modbus/index.js';
import type { OpcuaSim } from '../../simulators/opcua/index.js';
import { GatewayMetrics } from '../../src/ops/metrics.js';
import { startCellHttp, type CellHttp } from './cell-http.js';
import type { RefusalRecorderOptions } from '../../src/gateway/gate/refusal-recorder.js';

/**
 * OPC UA certificates are made once per test process (each takes ~1 s) and
 * shared by every cell: the PLC simulator's and the gateway front's.
 */
let opcuaPki: string | undefined;
function opcuaPkiDir(): string {
  if (opcuaPki === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'taogate-cell-pki-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    opcuaPki = dir;
  }
  return opcuaPki;
}

/** The gateway front's PKI folder of this test process's cells (server/, plc-client/, user/). */
export function gatewayOpcuaPkiDir(): string {
  return join(opcuaPkiDir(), 'gateway-opcua');
}

export interface CellOptions {
  /** Start the Modbus simulator and the gateway's Modbus front. */
  readonly modbus?: boolean;
  /** Start the OPC UA reactor simulator and the gateway's OPC UA front (certificates shared per test process, clients auto-trusted). */
  readonly opcua?: boolean;
  /** The OPC UA front trusts every client application certificate on first use (default, as the demo does); false: only those in its PKI's server/trusted (gatewayOpcuaPkiDir()). */
  readonly opcuaTrustClients?: boolean;
  /** Start the ops HTTP endpoint (/healthz, /readyz, /metrics) and the approver console; see cell-http.ts. */
  readonly http?: boolean;
  readonly deadlineMs?: number;
  readonly profilePath?: string;
  /** Transform the loaded profile (before the device override). */
  readonly editProfile?: (p: Profile) => Profile;
  /** Another broker than the bundled aedes one (e.g. a real Mosquitto, test/site/mosquitto.ts); port 0 = pick one. */
  readonly startBroker?: (o: { keysDir: string; port: number }) => Promise<CellBroker>;
  /** Gateway replication and checkpoint options (issue 5; default: on, as the trust store has an upstream key). */
  readonly replication?: GatewayReplicationOptions;
  /** Put something between the gateway and the skid PLC (e.g. a delaying proxy): gets the PLC's port, returns the port the gateway uses. */
  readonly skidVia?: (plcPort: number) => Promise<number>;
  /** Per-source refusal burst and summary interval of the gate. */
  readonly refusals?: RefusalRecorderOptions;
}

/** What the cell needs of a broker: where it is, and how to stop it. */
export interface CellBroker {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface Cell {
  readonly dir: string;
  readonly keysDir: string;
  readonly profile: Profile;
  readonly trust: TrustStore;
  broker: CellBroker;
  governance: GovernanceService | undefined;
  gateway: GatewayService;
  readonly plc: ModbusSim | undefined;
  /** The OPC UA reactor simulator, with `opcua: true`. */
  readonly opcuaPlc: OpcuaSim | undefined;
  /** The ops endpoint and console, with `http: true`. */
  http: CellHttp | undefined;
  /** Port of the gateway's Modbus front. */
  modbusPort: number;
  /** Endpoint URL of the gateway's OPC UA front ('' without `opcua: true`). */
  opcuaEndpoint: string;
  startGovernance(): Promise<GovernanceService>;
  stopGovernance(): Promise<void>;
  restartGateway(): Promise<GatewayService>;
  /** Stops the broker and starts it again on the same port (clients reconnect on their own). */
  restartBroker(downMs?: number): Promise<void>;
  /** A broker client logged in as the CLI user `operator`, with requesters for decisions and replies. */
  operator(): Promise<{ client: MqttClient; decisions: Requester; replies: Requester; close(): Promise<void> }>;
  secret(user: string): string;
  close(): Promise<void>;
}

export async function startCell(o: CellOptions = {}): Promise<Cell> {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-cell-'));
  const keysDir = join(dir, 'keys');
  let profile = loadProfile(o.profilePath ?? DEMO_PROFILE);
  if (o.editProfile) profile = o.editProfile(profile);
  const plc = o.modbus ? await startModbusSim({ host: '127.0.0.1', port: 0, logFile: join(dir, 'plc-writes.jsonl'), tickMs: 100 }) : undefined;
  if (plc) profile = withDeviceOverrides(profile, { skid: { host: '127.0.0.1', port: o.skidVia ? await o.skidVia(plc.port) : plc.port } });
  let opcuaPlc: OpcuaSim | undefined;
  if (o.opcua) {
    // The reactor PLC is hardened as in the demo (Basic256Sha256, user `gateway`, trust arranged both ways);
    // imported lazily: node-opcua takes ~1 s to load, and Modbus-only cells do not need it.
    const [{ startSecuredReactor }, { ensurePlcSecret, plcSecretFile }] = await Promise.all([import('../../src/cli/demo/reactor-plc.js'), import('../../src/cli/plc-secret.js')]);
    opcuaPlc = await startSecuredReactor({
      host: '127.0.0.1',
      port: 0,
      plcPkiDir: join(opcuaPkiDir(), 'plc-opcua'),
      gatewayPlcPkiDir: join(opcuaPkiDir(), 'gateway-opcua', 'plc-client'),
      password: ensurePlcSecret(plcSecretFile(keysDir)),
      logFile: join(dir, 'plc-opcua-log.jsonl'),
    });
    profile = withDeviceOverrides(profile, { reactor: { endpoint: opcuaPlc.endpoint } });
  }
  initKeys(keysDir, profile);
  const kp = keyPaths(keysDir);
  const trust = TrustStore.load(kp.trust);
  const secret = (user: string) => readFileSync(kp.mqttSecret(user), 'utf8').trim();
  const newBroker = (port: number): Promise<CellBroker> => (o.startBroker ? o.startBroker({ keysDir, port }) : startBroker({ host: '127.0.0.1', port, users: readUsersFile(kp.mqttUsers) }));
  const broker = await newBroker(0);

  const startGovernance = () =>
    startGovernanceService({
      url: broker.url,
      username: 'governance',
      password: secret('governance'),
      profile,
      trust,
      signer: readPrivateKeyFile(kp.governance).signer,
      log: silentLogger,
      statePath: join(dir, 'governance', 'approvals.json'),
      breakglassDir: join(dir, 'governance', 'breakglass'),
    });

  const metrics = o.http ? new GatewayMetrics({ defaults: false }) : undefined;
  const startGw = () =>
    startGateway({
      observe: metrics?.observe,
      profile,
      trust,
      signer: readPrivateKeyFile(kp.gateway).signer,
      ledgerDir: join(dir, 'gateway'),
      mqtt: { url: broker.url, username: profile.gateway.id, password: secret(profile.gateway.id) },
      log: silentLogger,
      governanceDeadlineMs: o.deadlineMs,
      replication: o.replication,
      refusals: o.refusals,
      fronts:
        o.modbus || o.opcua
          ? buildFronts(
              profile,
              {
                host: '127.0.0.1',
                modbusPort: o.modbus ? 0 : undefined,
                opcuaPort: o.opcua ? 0 : undefined,
                opcuaPkiDir: gatewayOpcuaPkiDir(),
                opcuaAutoAcceptClients: o.opcuaTrustClients ?? true,
                opcuaAllowNone: true,
                keysDir,
              },
              silentLogger,
            )
          : [],
    });

  const cell: Cell = {
    dir,
    keysDir,
    profile,
    trust,
    broker,
    plc,
    opcuaPlc,
    opcuaEndpoint: '',
    http: undefined,
    governance: await startGovernance(),
    gateway: undefined as unknown as GatewayService,
    modbusPort: 0,
    async startGovernance() {
      cell.governance = await startGovernance();
      return cell.governance;
    },
    async stopGovernance() {
      await cell.governance?.close();
      cell.governance = undefined;
    },
    async restartGateway() {
      await cell.gateway.close();
      cell.gateway = await startGw();
      cell.modbusPort = portOf(cell.gateway.addresses.modbus);
      cell.opcuaEndpoint = cell.gateway.addresses.opcua ?? '';
      return cell.gateway;
    },
    async restartBroker(downMs = 0) {
      await cell.broker.close();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      cell.broker = await newBroker(cell.broker.port);
    },
    async operator() {
      const client = await connectMqtt(broker.url, { username: 'operator', password: secret('operator') });
      const decisions = new Requester(client, topics.decisionBase('operator'));
      const replies = new Requester(client, topics.replyBase('operator'));
      return {
        client,
        decisions,
        replies,
        async close() {
          decisions.close();
          replies.close();
          await client.endAsync();
        },
      };
    },
    secret,
    async close() {
      await cell.http?.close().catch(() => {});
      await cell.gateway?.close().catch(() => {});
      await cell.governance?.close().catch(() => {});
      await cell.broker.close().catch(() => {});
      await plc?.close().catch(() => {});
      await opcuaPlc?.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  cell.gateway = await startGw();
  cell.modbusPort = portOf(cell.gateway.addresses.modbus);
  cell.opcuaEndpoint = cell.gateway.addresses.opcua ?? '';
  if (metrics) cell.http = await startCellHttp(cell, metrics);
  return cell;
}

function portOf(address: string | undefined): number {
  if (!address) return 0;
  return Number(address.slice(address.lastIndexOf(':') + 1));
}
