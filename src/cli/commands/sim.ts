import type { Command } from 'commander';
import { describeModbusSim } from '../../../simulators/modbus/describe.js';
import { describeOpcuaSim } from '../../../simulators/opcua/describe.js';
import { action, parseIntOption } from '../action.js';
import { createLogger } from '../log.js';
import { signalPromise, untilSignal } from '../run-service.js';

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('bundled PLC simulators (for the demo, tests and commissioning dry runs)');

  sim
    .command('modbus')
    .description('Modbus TCP skid PLC simulator (FC 1-6, 15, 16, 22, 23) with a process model')
    .addHelpText('after', `\n${describeModbusSim()}`)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'listen port', parseIntOption(), 5020)
    .option('--unit <n>', 'unit id answered', parseIntOption(), 1)
    .option('--log <file>', 'append every applied write as a JSON line')
    .option('--log-level <level>', 'log level', 'info')
    .action(
      action(async (opts: { host: string; port: number; unit: number; log?: string; logLevel: string }) => {
        const log = createLogger({ level: opts.logLevel, name: 'sim-modbus' });
        const signal = signalPromise(log);
        const { startModbusSim } = await import('../../../simulators/modbus/index.js');
        const s = await startModbusSim({ host: opts.host, port: opts.port, unitId: opts.unit, logFile: opts.log });
        log.info({ host: s.host, port: s.port, unit: opts.unit }, 'Modbus PLC simulator listening');
        process.stdout.write(`READY ${JSON.stringify({ modbus: `${s.host}:${s.port}` })}\n`);
        return untilSignal(log, signal, () => s.close());
      }),
    );

  sim
    .command('opcua')
    .description('OPC UA reactor PLC simulator (tags, StartBatch/Stop methods) with a process model')
    .addHelpText('after', `\n${describeOpcuaSim()}`)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'listen port', parseIntOption(), 4840)
    .option('--pki <dir>', 'certificate folder (default: a folder under the OS temp dir)')
    .option('--log <file>', 'append every applied write and call as a JSON line')
    .option('--log-level <level>', 'log level', 'info')
    .action(
      action(async (opts: { host: string; port: number; pki?: string; log?: string; logLevel: string }) => {
        const log = createLogger({ level: opts.logLevel, name: 'sim-opcua' });
        const signal = signalPromise(log);
        const { startOpcuaSim } = await import('../../../simulators/opcua/index.js');
        const s = await startOpcuaSim({ host: opts.host, port: opts.port, pkiDir: opts.pki, logFile: opts.log });
        log.info({ endpoint: s.endpoint }, 'OPC UA PLC simulator listening');
        process.stdout.write(`READY ${JSON.stringify({ opcua: s.endpoint })}\n`);
        return untilSignal(log, signal, () => s.close());
      }),
    );
}
