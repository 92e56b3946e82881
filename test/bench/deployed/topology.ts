/**
 * The deployed topology, each part its own process, wired as
 * docker/compose.yaml wires them (on 127.0.0.1 instead of service names):
 *
 *   taogate keys init
 *   taogate broker --users KEYS/mqtt-users.json
 *   taogate governance --broker URL --keys KEYS
 *   taogate upstream --broker URL --keys KEYS --dir DIR      (replication on)
 *   taogate sim modbus / taogate sim opcua                   (the PLCs)
 *   taogate gateway --broker URL --keys KEYS --ledger DIR --modbus-port --opcua-port
 *                   --device skid=.. --device reactor=.. --http PORT   (metrics on)
 *
 * The gateway runs with the memory settings of the deployment files
 * (MALLOC_ARENA_MAX=2, NODE_OPTIONS=--max-semi-space-size=4
 * --max-old-space-size=256). Its checkpointer is always on.
 *
 * The reactor PLC runs hardened, as compose's plc-opcua does and as
 * profiles/demo-cell.yaml describes it: `taogate sim opcua --user gateway
 * --password-file KEYS/plc/reactor.secret` (keys init makes the file), Basic256Sha256
 * with SignAndEncrypt; it trusts the gateway's PLC-client certificate and the
 * bench client's (made before it starts), and the gateway trusts the PLC's
 * certificate (the operator's `pki trust` step in compose, done here by copying
 * it into the gateway's trust list). The bench's direct OPC UA path logs in
 * like the gateway: SignAndEncrypt, user gateway. The profile differs from the
 * demo profile in one setting: 32 Modbus connections allowed per source, set
 * explicitly (the load clients all come from 127.0.0.2), written to
 * DATA/profile.yaml.
 *
 * One deviation, for the bench's clients: the gateway's OPC UA front also
 * offers SecurityPolicy None and trusts client certificates on first use
 * (--opcua-allow-none --opcua-trust-clients, as `taogate demo` does), so the
 * OPC UA figures compare like with like against the demo and the in-process
 * bench. A bench-only `bench-admin` broker user (role admin) is added to the
 * users file to observe replication (receipts and acks) from outside.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ensureClientCertificate } from '../../../src/devices/opcua/client-cert.js';
import { addTrustedCertificate } from '../../../src/devices/opcua/pki-folder.js';
import { plcPkiDir } from '../../../src/gateway/opcua/pki-dir.js';
import { hashPassword } from '../../../src/mqtt/credentials.js';
import { BENCH_CLIENT_APPLICATION } from '../opcua-latency.js';
import { DEPLOYED_ENV as DEPLOYMENT_FILES_ENV } from '../footprint.js';
import { MOSQUITTO, writeLocalMosquittoConfig } from '../../site/mosquitto.js';
import { CLI, ROOT, startExternal, startProc, stopProc, type Proc } from './procs.js';

/**
 * The gateway's memory settings in docker/Dockerfile + compose.yaml and docker/taogate-gateway.service
 * (one literal, footprint.ts's DEPLOYED_ENV).
 * DEPLOYED_GATEWAY_NODE_OPTIONS replaces the NODE_OPTIONS part, and DEPLOYED_GATEWAY_ENV adds
 * variables (`NAME=value NAME2=value`, e.g. `LD_PRELOAD=...` for another allocator), to measure
 * other settings against them.
 */
export const DEPLOYED_ENV: Readonly<Record<string, string>> = {
  ...DEPLOYMENT_FILES_ENV,
  ...(process.env.DEPLOYED_GATEWAY_NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: process.env.DEPLOYED_GATEWAY_NODE_OPTIONS }),
  ...extraGatewayEnv(process.env.DEPLOYED_GATEWAY_ENV ?? ''),
};

function extraGatewayEnv(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of spec.split(/\s+/).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`DEPLOYED_GATEWAY_ENV: '${item}' is not NAME=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
export const GATEWAY_ID = 'gw-cell-1';

/**
 * DEPLOYED_CPU_PROF=DIR: the gateway writes a V8 CPU profile into DIR when it stops.
 * DEPLOYED_GATEWAY_NODE_ARGS: more node flags for the gateway (e.g. --trace-gc; its stdout goes to the bench's reader).
 */
function gatewayNodeArgs(): string[] {
  const dir = process.env.DEPLOYED_CPU_PROF;
  const extra = (process.env.DEPLOYED_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  return [...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), ...extra];
}

/** DEPLOYED_CPU_PROF_ALL=DIR: every part (broker, governance, upstream, simulators, gateway) writes a V8 CPU profile into DIR/<part> when it stops. */
function partNodeArgs(part: string): string[] {
  const dir = process.env.DEPLOYED_CPU_PROF_ALL;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, part)}`] : part === 'gateway' ? gatewayNodeArgs() : [];
}
export const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' } as const;

export interface Endpoints {
  /** MQTT URL of the broker. */
  readonly mqtt: string;
  readonly keys: string;
  /** The gateway's Modbus front, host:port. */
  readonly modbus: string;
  /** The gateway's OPC UA front. */
  readonly opcua: string;
  /** The PLC simulators, reached directly (the baseline). */
  readonly plcModbus: string;
  readonly plcOpcua: string;
  /** Gateway /metrics base URL (deployed only). */
  readonly http?: string;
  /** The hardened PLC's login and the bench client PKI folder whose certificate it trusts (deployed only). */
  readonly plcOpcuaLogin?: { readonly userName: string; readonly password: string };
  readonly benchOpcuaPki?: string;
}

export interface Deployed {
  readonly ends: Endpoints;
  readonly procs: Proc[];
  gateway: Proc;
  readonly data: string;
  restartGateway(): Promise<Proc>;
  close(): Promise<void>;
}

/**
 * DEPLOYED_BROKER=mosquitto: the site broker is Mosquitto 2.0 (Debian's), configured by
 * `taogate broker mosquitto-config` from the same keys (docs/mqtt.md), instead of `taogate broker`.
 */
export const SITE_BROKER: 'taogate' | 'mosquitto' = process.env.DEPLOYED_BROKER === 'mosquitto' ? 'mosquitto' : 'taogate';
/** Mosquitto on 127.0.0.1:PORT with the passwd, acl and conf that `taogate broker mosquitto-config` writes for KEYS. */
async function startMosquittoBroker(keys: string, data: string, port: number): Promise<Proc> {
  if (!MOSQUITTO) throw new Error('DEPLOYED_BROKER=mosquitto, but mosquitto is not installed (apt-get install mosquitto)');
  // The bench's admin user needs a secret file like every broker user, for the passwd file.
  mkdirSync(join(keys, 'mqtt'), { recursive: true });
  writeFileSync(join(keys, 'mqtt', `${ADMIN.username}.secret`), ADMIN.password, { mode: 0o600 });
  const files = writeLocalMosquittoConfig(keys, join(data, 'mosquitto'), port);
  return startExternal('broker', MOSQUITTO, ['-c', files.conf], /running/, { mqtt: `mqtt://127.0.0.1:${port}` });
}

const randomBase = () => 20_000 + 10 * Math.floor(Math.random() * 3000);

function addAdmin(usersFile: string): void {
  const f = JSON.parse(readFileSync(usersFile, 'utf8')) as { version: 1; users: unknown[] };
  f.users.push({ username: ADMIN.username, role: 'admin', passwordHash: hashPassword(ADMIN.password) });
  writeFileSync(usersFile, JSON.stringify(f, null, 2));
}

/** The demo profile, with 32 Modbus connections allowed per source. */
function benchProfile(file: string): void {
  const p = parse(readFileSync(join(ROOT, 'profiles/demo-cell.yaml'), 'utf8')) as { gateway: Record<string, unknown> };
  // 32 load clients come from one source (127.0.0.2, optimizer-1): allow them explicitly, whatever the default cap is.
  p.gateway.modbus_max_connections_per_source = 32;
  writeFileSync(file, stringify(p));
}

export async function startDeployed(): Promise<Deployed> {
  const data = mkdtempSync(join(tmpdir(), 'taogate-bench-deployed-'));
  const keys = join(data, 'keys');
  const base = randomBase();
  const procs: Proc[] = [];
  try {
    const k = spawnSync(process.execPath, [CLI, 'keys', 'init', '--dir', keys], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    if (k.status !== 0) throw new Error(`taogate keys init: exit ${k.status}\n${k.stderr}`);
    addAdmin(join(keys, 'mqtt-users.json'));
    const profile = join(data, 'profile.yaml');
    benchProfile(profile);
    // The hardened reactor PLC: its login (made by keys init), the gateway's and the bench client's certificates.
    const plcSecret = join(keys, 'plc', 'reactor.secret');
    const gatewayPki = join(data, 'pki', 'gateway-opcua');
    const benchOpcuaPki = join(data, 'pki', 'bench-client');
    const [gatewayCert, benchCert] = await Promise.all([ensureClientCertificate(plcPkiDir(gatewayPki)), ensureClientCertificate(join(benchOpcuaPki, 'client'), BENCH_CLIENT_APPLICATION)]);
    const broker =
      SITE_BROKER === 'mosquitto'
        ? await startMosquittoBroker(keys, data, base)
        : await startProc('broker', ['broker', '--port', String(base), '--users', join(keys, 'mqtt-users.json')], {}, undefined, partNodeArgs('broker'));
    procs.push(broker);
    const url = String(broker.ready.mqtt);
    procs.push(
      ...(await Promise.all([
        startProc('governance', ['governance', '--broker', url, '--keys', keys, '--profile', profile], {}, undefined, partNodeArgs('governance')),
        startProc('upstream', ['upstream', '--broker', url, '--keys', keys, '--dir', join(data, 'upstream')], {}, undefined, partNodeArgs('upstream')),
        startProc('sim-modbus', ['sim', 'modbus', '--port', String(base + 3)], {}, undefined, partNodeArgs('sim-modbus')),
        startProc('sim-opcua', ['sim', 'opcua', '--port', String(base + 4), '--pki', join(data, 'pki', 'plc-opcua'), '--user', 'gateway', '--password-file', plcSecret, '--trust-client', gatewayCert, '--trust-client', benchCert], {}, undefined, partNodeArgs('sim-opcua')),
      ])),
    );
    // The operator's step (compose: `pki trust`): the gateway trusts this PLC's certificate; so does the bench client.
    const plcCert = String(procs.find((p) => p.name === 'sim-opcua')!.ready.certificate);
    addTrustedCertificate(plcPkiDir(gatewayPki), plcCert);
    addTrustedCertificate(join(benchOpcuaPki, 'client'), plcCert);
    const gwArgs = [
      'gateway', '--broker', url, '--keys', keys, '--profile', profile, '--ledger', join(data, 'gateway'),
      '--modbus-port', String(base + 1), '--opcua-port', String(base + 2), '--opcua-pki', gatewayPki,
      '--opcua-allow-none', '--opcua-trust-clients',
      '--device', `skid=127.0.0.1:${base + 3}`, '--device', `reactor=opc.tcp://127.0.0.1:${base + 4}`,
      '--http', String(base + 5),
    ];
    let gateway = await startProc('gateway', gwArgs, DEPLOYED_ENV, undefined, partNodeArgs('gateway'));
    const ends: Endpoints = {
      mqtt: url,
      keys,
      modbus: String(gateway.ready.modbus),
      opcua: String(gateway.ready.opcua),
      plcModbus: `127.0.0.1:${base + 3}`,
      plcOpcua: `opc.tcp://127.0.0.1:${base + 4}`,
      http: String(gateway.ready.http),
      plcOpcuaLogin: { userName: 'gateway', password: readFileSync(plcSecret, 'utf8').trim() },
      benchOpcuaPki,
    };
    const d: Deployed = {
      ends,
      procs,
      gateway,
      data,
      async restartGateway() {
        await stopProc(d.gateway);
        gateway = await startProc('gateway', gwArgs, DEPLOYED_ENV, undefined, partNodeArgs('gateway'));
        d.gateway = gateway;
        return gateway;
      },
      async close() {
        await stopProc(d.gateway).catch(() => null);
        await Promise.all([...procs].reverse().map((p) => stopProc(p).catch(() => null)));
        rmSync(data, { recursive: true, force: true });
      },
    };
    return d;
  } catch (err) {
    await Promise.all(procs.map((p) => stopProc(p).catch(() => null)));
    rmSync(data, { recursive: true, force: true });
    throw err;
  }
}

export interface Demo {
  readonly ends: Endpoints;
  readonly proc: Proc;
  readonly data: string;
  close(keepData?: boolean): Promise<void>;
}

/** `taogate demo --data DIR --port-base N` (everything in one process). */
export async function startDemo(data?: string): Promise<Demo> {
  const dir = data ?? mkdtempSync(join(tmpdir(), 'taogate-bench-demo-'));
  const proc = await startProc('demo', ['demo', '--data', dir, '--port-base', String(randomBase())]);
  const r = proc.ready as { mqtt: string; modbus: string; opcua: string; plc: { modbus: string; opcua: string } };
  return {
    ends: { mqtt: r.mqtt, keys: join(dir, 'keys'), modbus: r.modbus, opcua: r.opcua, plcModbus: r.plc.modbus, plcOpcua: r.plc.opcua },
    proc,
    data: dir,
    async close(keepData = false) {
      await stopProc(proc).catch(() => null);
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}
