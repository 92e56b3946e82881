import { join } from 'node:path';
import type { Command } from 'commander';
import { loadTls, readUsersFile, startBroker, TlsConfigError, type TlsMaterial, type UsersFile } from '../../mqtt/index.js';
import { action, collect, parseIntOption } from '../action.js';
import { brokerLogin, type BrokerLoginOptions } from '../broker-creds.js';
import { CliError, EXIT } from '../exit.js';
import { createLogger } from '../log.js';
import { dataPaths, keyPaths, keysDir } from '../paths.js';
import { loadProfileOrExit } from '../profile-source.js';
import { signalPromise, untilSignal } from '../run-service.js';
import { registerSimCommands } from './sim.js';
import { applyDeviceOptions } from '../device-option.js';
import { registerReplicationCommands } from './replication.js';
import { loadTrust, loadKey } from '../trust.js';
import { watchTrustStore } from '../trust-reload.js';
import { recordPendingKeyEvents } from '../key-events.js';
import { checkOwnKey } from '../own-key.js';

interface CommonOpts {
  logLevel: string;
  data?: string;
  keys?: string;
  mqttCa?: string;
  mqttCert?: string;
  mqttKey?: string;
}

/** --broker plus the TLS files (flags or TAOGATE_MQTT_*), for brokerLogin. */
function loginOpts(opts: CommonOpts & { broker: string }, user: string): BrokerLoginOptions {
  return { broker: opts.broker, data: opts.data, keys: opts.keys, user, mqttCa: opts.mqttCa, mqttCert: opts.mqttCert, mqttKey: opts.mqttKey };
}

function brokerTls(opts: { tlsCert?: string; tlsKey?: string; tlsCa?: string }): TlsMaterial | undefined {
  if (opts.tlsCa && !opts.tlsCert) throw new CliError('--tls-ca needs --tls-cert and --tls-key (the broker listens with TLS)', EXIT.usage);
  try {
    return loadTls({ cert: opts.tlsCert, key: opts.tlsKey, ca: opts.tlsCa });
  } catch (err) {
    if (err instanceof TlsConfigError) throw new CliError(`--tls-${err.file === opts.tlsCa ? 'ca' : err.file === opts.tlsKey ? 'key' : 'cert'}: ${err.message}`);
    throw err;
  }
}

export function registerServiceCommands(program: Command): void {
  program
    .command('broker')
    .description('the MQTT broker (aedes, MQTT 3.1.1) with per-user authentication and per-topic authorization')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'listen port', parseIntOption(), 1883)
    .option('--users <file>', 'users file (default: KEYS/mqtt-users.json)')
    .option('--data <dir>', 'demo-layout data dir holding keys/ (default ./data)')
    .option('--keys <dir>', 'keys dir (overrides --data)')
    .option('--tls-cert <file>', 'listen with TLS (mqtts://) with this PEM certificate (e.g. KEYS/tls/broker.crt from keys init --tls)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-ca <file>', 'require client certificates issued by this CA (mutual TLS)')
    .option('--log-level <level>', 'log level', 'info')
    .action(
      action(async (opts: CommonOpts & { host: string; port: number; users?: string; tlsCert?: string; tlsKey?: string; tlsCa?: string }) => {
        const log = createLogger({ level: opts.logLevel, name: 'broker' });
        const signal = signalPromise(log);
        const file = opts.users ?? keyPaths(keysDir(opts)).mqttUsers;
        let users: UsersFile;
        try {
          users = readUsersFile(file);
        } catch (err) {
          throw new CliError(`--users: ${(err as Error).message}`);
        }
        const tls = brokerTls(opts);
        const broker = await startBroker({ host: opts.host, port: opts.port, users, tls, log: (level, msg, obj) => log[level === 'warn' ? 'warn' : level === 'error' ? 'error' : 'debug'](obj ?? {}, msg) });
        log.info({ url: broker.url }, 'broker listening');
        process.stdout.write(`READY ${JSON.stringify({ mqtt: broker.url })}\n`);
        return untilSignal(log, signal, () => broker.close());
      }),
    );

  program
    .command('governance')
    .description('the governance node: the only holder of the TAO signing key; evaluates proposals, collects approvals')
    .requiredOption('--broker <url>', 'MQTT broker URL')
    .option('--profile <file>', 'profile (default: profiles/demo-cell.yaml)')
    .option('--data <dir>', 'demo-layout data dir holding keys/ (default ./data)')
    .option('--keys <dir>', 'keys dir with governance.jwk, trust.json, mqtt/governance.secret')
    .option('--state <file>', 'keeps pending approval requests across restarts (default: DATA/governance/approvals.json)')
    .option('--breakglass-dir <dir>', 'break-glass review record (LevelDB), filled from the upstream\'s feed (default: DATA/governance/breakglass)')
    .option('--http <port>', 'serve the approver console, /healthz, /readyz and /metrics on this port', parseIntOption())
    .option('--http-host <host>', 'listen address of --http', '127.0.0.1')
    .option('--log-level <level>', 'log level', 'info')
    .action(
      action(async (opts: CommonOpts & { broker: string; profile?: string; state?: string; breakglassDir?: string; http?: number; httpHost: string }) => {
        const log = createLogger({ level: opts.logLevel, name: 'governance' });
        const signal = signalPromise(log);
        const profile = loadProfileOrExit(opts.profile);
        const kp = keyPaths(keysDir(opts));
        const login = brokerLogin(loginOpts(opts, 'governance'));
        const { startGovernanceService } = await import('../../governance/service.js');
        const statePath = opts.state ?? join(dataPaths(opts.data ?? './data').root, 'governance', 'approvals.json');
        const trust = loadTrust(kp.trust);
        watchTrustStore(kp.trust, trust, log); // SIGHUP or a changed file: new keys without a restart
        const signer = loadKey(kp.governance).signer;
        checkOwnKey({ keyFile: kp.governance, trustFile: kp.trust, trust, signer, role: 'governance', name: 'governance' });
        const breakglassDir = opts.breakglassDir ?? join(dataPaths(opts.data ?? './data').root, 'governance', 'breakglass');
        const svc = await startGovernanceService({ ...login, profile, trust, signer, log, statePath, breakglassDir });
        const http = opts.http === undefined ? undefined : await (await import('../ops-http.js')).startGovernanceHttp(svc, { host: opts.httpHost, port: opts.http, log });
        log.info({ broker: login.url, gateway: profile.gateway.id, policy: profile.policyHash, http: http?.url }, 'governance running');
        process.stdout.write(`READY ${JSON.stringify({ mqtt: login.url, gateway: profile.gateway.id, ...(http ? { http: http.url } : {}) })}\n`);
        return untilSignal(log, signal, async () => {
          await http?.close();
          await svc.close();
        });
      }),
    );

  program
    .command('gateway')
    .description('the gateway: gate + ledger + protocol fronts in front of the PLCs')
    .requiredOption('--broker <url>', 'MQTT broker URL')
    .option('--profile <file>', 'profile (default: profiles/demo-cell.yaml)')
    .option('--data <dir>', 'demo-layout data dir: keys/ and the ledger in gateway/ (default ./data)')
    .option('--keys <dir>', 'keys dir (overrides --data)')
    .option('--ledger <dir>', 'ledger dir (default: DATA/gateway)')
    .option('--host <host>', 'listen address of the fronts', '127.0.0.1')
    .option('--modbus-port <n>', 'Modbus TCP front port (omit: no Modbus front)', parseIntOption())
    .option('--opcua-port <n>', 'OPC UA front port (omit: no OPC UA front)', parseIntOption())
    .option('--opcua-pki <dir>', 'OPC UA certificates (default: DATA/pki/gateway-opcua): server/ for clients of the front, plc-client/ for the PLCs the gateway connects to; see taogate pki')
    .option('--opcua-trust-clients', 'trust every OPC UA client application certificate on first use (demo/lab only)')
    .option('--opcua-allow-none', 'also offer OPC UA SecurityPolicy None (demo/lab only: passwords cross the wire readable)')
    .option('--deadline-ms <n>', 'governance deadline for inline TAOs (default: profile defaults.governance_deadline_ms)', parseIntOption())
    .option('--device <name=address>', 'where a profile device is on this site: skid=HOST:PORT, reactor=opc.tcp://HOST:PORT (repeatable)', collect)
    .option('--accept-ledger-as-is', 'start even when the ledger since the last co-signed checkpoint does not verify (recorded in a receipt); see docs/ledger.md')
    .option('--http <port>', 'serve /healthz, /readyz, /metrics and the receipts console on this port', parseIntOption())
    .option('--http-host <host>', 'listen address of --http', '127.0.0.1')
    .option('--log-level <level>', 'log level', 'info')
    .action(
      action(async (opts: CommonOpts & { broker: string; profile?: string; ledger?: string; acceptLedgerAsIs?: boolean; deadlineMs?: number; host: string; modbusPort?: number; opcuaPort?: number; opcuaPki?: string; opcuaTrustClients?: boolean; opcuaAllowNone?: boolean; http?: number; httpHost: string; device?: string[] }) => {
        const log = createLogger({ level: opts.logLevel, name: 'gateway' });
        const signal = signalPromise(log);
        const profile = applyDeviceOptions(loadProfileOrExit(opts.profile), opts.device);
        const kp = keyPaths(keysDir(opts));
        const login = brokerLogin(loginOpts(opts, profile.gateway.id));
        const { startGateway } = await import('../../gateway/service.js');
        const { buildFronts } = await import('../../gateway/fronts.js');
        const metrics = opts.http === undefined ? undefined : new (await import('../../ops/metrics.js')).GatewayMetrics();
        const trust = loadTrust(kp.trust);
        watchTrustStore(kp.trust, trust, log); // SIGHUP or a changed file: new keys without a restart
        const signer = loadKey(kp.gateway).signer;
        checkOwnKey({ keyFile: kp.gateway, trustFile: kp.trust, trust, signer, role: 'gateway', name: profile.gateway.id });
        const gw = await startGateway({
          observe: metrics?.observe,
          profile,
          trust,
          signer,
          acceptLedgerAsIs: opts.acceptLedgerAsIs === true,
          ledgerDir: opts.ledger ?? dataPaths(opts.data ?? './data').gatewayLedger,
          mqtt: login,
          log,
          governanceDeadlineMs: opts.deadlineMs,
          fronts: buildFronts(
            profile,
            {
              host: opts.host,
              modbusPort: opts.modbusPort,
              opcuaPort: opts.opcuaPort,
              opcuaPkiDir: opts.opcuaPki ?? join(dataPaths(opts.data ?? './data').root, 'pki', 'gateway-opcua'),
              opcuaAutoAcceptClients: opts.opcuaTrustClients === true,
              opcuaAllowNone: opts.opcuaAllowNone === true,
              keysDir: keysDir(opts),
            },
            log,
          ),
        });
        const http = metrics && opts.http !== undefined ? await (await import('../ops-http.js')).startGatewayHttp(gw, metrics, trust, { host: opts.httpHost, port: opts.http, log }) : undefined;
        // Key rotations and revocations made while this gateway held the ledger (docs/ledger.md "Key rotation").
        for (const r of await recordPendingKeyEvents(kp.dir, gw.ledger)) log.info({ seq: r.seq, kind: r.kind, body: r.body }, 'key change recorded');
        log.info({ broker: login.url, ...gw.addresses, http: http?.url }, 'gateway running');
        process.stdout.write(`READY ${JSON.stringify({ mqtt: login.url, ...gw.addresses, ...(http ? { http: http.url } : {}) })}\n`);
        return untilSignal(log, signal, async () => {
          await http?.close();
          await gw.close();
        });
      }),
    );

  registerReplicationCommands(program);
  registerSimCommands(program);
}
