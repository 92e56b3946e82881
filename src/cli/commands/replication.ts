/**
 * `taogate upstream` (the upstream ledger node; `--check` reads its alarms)
 * and `taogate historian` (InfluxDB push following a ledger).
 */
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ledgerDirFeed } from '../../historian/feed.js';
import { pushUpstreamToInflux } from '../../historian/upstream-push.js';
import { HistorianPusher } from '../../historian/pusher.js';
import { InfluxWriter } from '../../historian/writer.js';
import { readUpstreamStatus, startUpstream } from '../../replication/upstream.js';
import { action, collect, output, parseIntOption } from '../action.js';
import { brokerLogin } from '../broker-creds.js';
import { CliError, EXIT } from '../exit.js';
import { createLogger } from '../log.js';
import { dataPaths, keyPaths, keysDir, ledgerDir } from '../paths.js';
import { progressReporter } from '../progress.js';
import { signalPromise, untilSignal } from '../run-service.js';
import { loadTrust, loadKey } from '../trust.js';
import { watchTrustStore } from '../trust-reload.js';
import { checkOwnKey } from '../own-key.js';

interface UpstreamOpts {
  broker?: string;
  mqttCa?: string;
  mqttCert?: string;
  mqttKey?: string;
  data?: string;
  keys?: string;
  dir?: string;
  gateway?: string[];
  influx?: string;
  db: string;
  check?: boolean;
  json?: boolean;
  http?: number;
  httpHost: string;
  logLevel: string;
}


export function registerReplicationCommands(program: Command): void {
  program
    .command('upstream')
    .description('the upstream ledger node: verifies and stores the receipt chains of gateways, acknowledges, cosigns checkpoints, raises fork alarms')
    .option('--broker <url>', 'MQTT broker URL (user upstream; password from KEYS/mqtt/upstream.secret)')
    .option('--data <dir>', 'demo-layout data dir: keys/ and the copies in upstream/ (default ./data)')
    .option('--keys <dir>', 'keys dir with upstream.jwk, trust.json, mqtt/upstream.secret (overrides --data)')
    .option('--dir <dir>', 'where the copies live, one LevelDB per gateway (default DATA/upstream)')
    .option('--gateway <id>', 'follow this gateway (repeatable; default every gateway key in the trust store)', collect)
    .option('--influx <url>', 'also push every verified receipt to this InfluxDB (in-process historian)')
    .option('--db <name>', 'InfluxDB database for --influx', 'taogate')
    .option('--http <port>', 'serve /healthz, /readyz (broker connected, no alarm) and /metrics on this port', parseIntOption())
    .option('--http-host <host>', 'listen address of --http', '127.0.0.1')
    .option('--check', 'do not run: report the alarms of a (running or stopped) upstream; exit 1 when there is any')
    .option('--json', 'with --check: print the status JSON')
    .option('--log-level <level>', 'log level', 'info')
    .action(
      action(async (opts: UpstreamOpts) => {
        const dir = resolve(opts.dir ?? dataPaths(opts.data ?? './data').upstreamLedger);
        if (opts.check) return checkUpstream(dir, opts.json === true);
        if (!opts.broker) throw new CliError('upstream: --broker is required (or use --check)', EXIT.usage);
        const log = createLogger({ level: opts.logLevel, name: 'upstream' });
        const signal = signalPromise(log);
        const kp = keyPaths(keysDir(opts));
        const trust = loadTrust(kp.trust);
        watchTrustStore(kp.trust, trust, log); // SIGHUP or a changed file: new keys without a restart
        const login = brokerLogin({ broker: opts.broker, data: opts.data, keys: opts.keys, user: 'upstream', mqttCa: opts.mqttCa, mqttCert: opts.mqttCert, mqttKey: opts.mqttKey });
        const signer = loadKey(kp.upstream).signer;
        checkOwnKey({ keyFile: kp.upstream, trustFile: kp.trust, trust, signer, role: 'upstream', name: 'upstream' });
        const node = await startUpstream({ dir, trust, signer, mqtt: login, gateways: opts.gateway, log });
        const stopPush = opts.influx ? await pushUpstreamToInflux(node, { influx: opts.influx, db: opts.db, dir, log }) : async () => {};
        let http: { url: string; close(): Promise<void> } | undefined;
        if (opts.http !== undefined) {
          const { startOpsServer } = await import('../../ops/http.js');
          const { upstreamChecks, upstreamRegistry } = await import('../../ops/upstream-ops.js');
          http = await startOpsServer({ host: opts.httpHost, port: opts.http, registry: upstreamRegistry(node), checks: upstreamChecks(node) });
        }
        log.info({ broker: login.url, dir, gateways: node.status().gateways.map((g) => g.gateway), http: http?.url }, 'upstream running');
        process.stdout.write(`READY ${JSON.stringify({ mqtt: login.url, dir, gateways: node.status().gateways.map((g) => g.gateway), ...(http ? { http: http.url } : {}) })}\n`);
        return untilSignal(log, signal, async () => {
          await http?.close();
          await stopPush(); // what the copy holds goes to InfluxDB first (bounded), then the copy closes
          await node.close();
        });
      }),
    );

  program
    .command('historian')
    .description('follow a ledger and push every receipt into an InfluxDB HTTP write endpoint, exactly once across restarts')
    .requiredOption('--data <dir>', 'a demo data dir (DIR/gateway) or a ledger dir not held open by another process (e.g. a stopped gateway, an upstream copy)')
    .requiredOption('--influx <url>', 'InfluxDB base URL, e.g. http://127.0.0.1:8086')
    .option('--db <name>', 'database (InfluxDB 1.x; created if missing)', 'taogate')
    .option('--token <token>', 'API token (InfluxDB 2.x compatibility endpoint)')
    .option('--cursor <file>', 'cursor file (default: DIR/../historian/<ledger>-<db>.cursor.json)')
    .option('--batch <n>', 'receipts per write', parseIntOption(), 500)
    .option('--poll-ms <n>', 'how often to look for new receipts', parseIntOption(), 1000)
    .option('--once', 'exit once caught up instead of following')
    .option('--json', 'with --once: print {pushed, cursor}')
    .option('--log-level <level>', 'log level', 'info')
    .action(
      action(async (opts: { data: string; influx: string; db: string; token?: string; cursor?: string; batch: number; pollMs: number; once?: boolean; json?: boolean; logLevel: string }) => {
        const log = createLogger({ level: opts.logLevel, name: 'historian' });
        const signal = opts.once ? undefined : signalPromise(log);
        const dir = ledgerDir(opts.data);
        try {
          new URL(opts.influx);
        } catch {
          throw new CliError(`--influx: '${opts.influx}' is not a URL`, EXIT.usage);
        }
        const cursorFile = resolve(opts.cursor ?? join(dirname(dir), 'historian', `${basename(dir)}-${opts.db}.cursor.json`));
        const writer = new InfluxWriter({ url: opts.influx, db: opts.db, token: opts.token });
        await writer.ensureDatabase();
        const progress = progressReporter('historian', opts.json === true);
        const pusher = new HistorianPusher({ feed: ledgerDirFeed(dir), writer, cursorFile, batch: opts.batch, pollMs: opts.pollMs, log, onProgress: (n, total) => progress.update(n, total) });
        const start = pusher.position;
        if (opts.once) {
          const cursor = await pusher.run({ follow: false });
          progress.done();
          output(opts.json === true, { pushed: cursor - start, cursor }, `pushed ${cursor - start} receipts; cursor at seq ${cursor}`);
          return EXIT.ok;
        }
        log.info({ dir, influx: opts.influx, db: opts.db, cursor: start }, 'historian following');
        process.stdout.write(`READY ${JSON.stringify({ data: dir, influx: opts.influx, db: opts.db, cursor: start })}\n`);
        const running = pusher.run({ follow: true });
        const code = await Promise.race([
          untilSignal(log, signal as Promise<string>, async () => {
            pusher.stop();
            await running.catch(() => undefined);
            progress.done();
          }),
          running.then(
            () => EXIT.ok,
            (err: Error) => {
              throw new CliError(`historian: ${err.message}`);
            },
          ),
        ]);
        return code;
      }),
    );
}

function checkUpstream(dir: string, json: boolean): number {
  const status = readUpstreamStatus(dir);
  if (!status) throw new CliError(`${dir}: no upstream status (has 'taogate upstream' run with this --dir?)`);
  if (json) output(true, status, '');
  else {
    for (const g of status.gateways) {
      process.stdout.write(`${g.gateway}: held seq ${g.held.seq} (${g.held.hash.slice(0, 16)}…), ${g.verified} verified this run${g.checkpoint ? `, checkpoint size ${g.checkpoint.size}` : ''}\n`);
      for (const a of g.alarms) process.stdout.write(`  ALARM ${a.kind} at seq ${a.seq}: ${a.detail}\n`);
    }
  }
  return status.ok ? EXIT.ok : EXIT.failed;
}
