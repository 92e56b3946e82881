import type { Command } from 'commander';
import { action, parseIntOption } from '../action.js';
import { CliError, EXIT } from '../exit.js';
import { createLogger } from '../log.js';
import { DEFAULT_PORT_BASE, type ReadyInfo } from '../demo/ports.js';
import { demoGuide } from '../demo/guide.js';
import { signalPromise, untilSignal } from '../run-service.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run everything on 127.0.0.1: broker, governance, PLC simulators, gateway (Modbus + OPC UA fronts), upstream, HTTP console; prints one READY line')
    .option('--data <dir>', 'data dir: keys (created on first start), ledgers', './data')
    .option('--port-base <n>', `MQTT N, gateway Modbus N+1, gateway OPC UA N+2, PLC Modbus N+3, PLC OPC UA N+4, HTTP N+5, dosing PLC (RTU over TCP) N+6`, parseIntOption(), DEFAULT_PORT_BASE)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', 'info')
    .option('--profile <file>', 'profile to run (default: profiles/demo-cell.yaml)')
    .option('--influx <url>', 'also push every receipt into this InfluxDB HTTP endpoint (historian), e.g. http://127.0.0.1:8086')
    .option('--influx-db <name>', 'InfluxDB database for --influx', 'taogate')
    .option('--pkcs11 <uri>', 'keep the governance, gateway and upstream keys in this PKCS#11 token (created there on first start; see keys init --pkcs11)')
    .action(
      action(async (opts: { data: string; portBase: number; logLevel: string; profile?: string; influx?: string; influxDb: string; pkcs11?: string }) => {
        if (opts.portBase < 1 || opts.portBase + 6 > 65535) throw new CliError(`--port-base ${opts.portBase}: needs 7 ports (N..N+6) in 1..65535`, EXIT.usage);
        const log = createLogger({ level: opts.logLevel, name: 'demo' });
        const signal = signalPromise(log);
        const started = performance.now();
        const { startDemoStack } = await import('../demo/stack.js');
        const stack = await startDemoStack({ data: opts.data, portBase: opts.portBase, log, profilePath: opts.profile, influx: opts.influx ? { url: opts.influx, db: opts.influxDb } : undefined, pkcs11: opts.pkcs11 });
        log.info({ ms: Math.round(performance.now() - started) }, 'demo ready');
        process.stdout.write(`READY ${JSON.stringify(stack.ready satisfies ReadyInfo)}\n`);
        process.stderr.write(demoGuide(stack.ready));
        return untilSignal(log, signal, () => stack.close());
      }),
    );
}
