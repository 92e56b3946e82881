import type { Command } from 'commander';
import { describeModbusSim } from '../../../simulators/modbus/describe.js';
import { describeOpcuaSim } from '../../../simulators/opcua/describe.js';
import { readFileSync } from 'node:fs';
import { action, collect, parseIntOption } from '../action.js';
import { CliError, EXIT } from '../exit.js';
import { createLogger } from '../log.js';
import { signalPromise, untilSignal } from '../run-service.js';

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('bundled PLC simulators (for the demo, tests and commissioning dry runs)');

  sim
    .command('modbus')
    .description('Modbus PLC simulator (FC 1-6, 15, 16, 22, 23) with a process model: Modbus TCP, RTU framing on a TCP port, RTU on a serial device')
    .addHelpText('after', `\n${describeModbusSim()}`)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'Modbus TCP (MBAP) listen port', parseIntOption(), 5020)
    .option('--no-tcp', 'do not serve Modbus TCP (MBAP)')
    .option('--rtu-port <n>', 'also serve RTU framing on this TCP port (what a serial-to-Ethernet converter carries)', parseIntOption())
    .option('--serial <path>', 'also serve RTU on this serial device (e.g. one end of `socat -d -d pty,raw,echo=0 pty,raw,echo=0`)')
    .option('--baud <n>', 'serial baud rate', parseIntOption(), 19200)
    .option('--parity <p>', 'serial parity: none, even or odd', 'even')
    .option('--data-bits <n>', 'serial data bits (7 or 8)', parseIntOption(), 8)
    .option('--stop-bits <n>', 'serial stop bits (1 or 2)', parseIntOption(), 1)
    .option('--plant <name>', 'process model: skid (demo unit 1) or dosing (demo unit 2)', 'skid')
    .option('--unit <n>', 'unit id answered', parseIntOption(), 1)
    .option('--log <file>', 'append every applied write as a JSON line')
    .option('--log-level <level>', 'log level', 'info')
    .action(
      action(async (opts: ModbusSimFlags) => {
        const log = createLogger({ level: opts.logLevel, name: 'sim-modbus' });
        if (!['none', 'even', 'odd'].includes(opts.parity)) throw new CliError(`--parity must be none, even or odd, got '${opts.parity}'`, EXIT.usage);
        if (opts.dataBits !== 7 && opts.dataBits !== 8) throw new CliError(`--data-bits must be 7 or 8, got ${opts.dataBits}`, EXIT.usage);
        if (opts.stopBits !== 1 && opts.stopBits !== 2) throw new CliError(`--stop-bits must be 1 or 2, got ${opts.stopBits}`, EXIT.usage);
        if (opts.plant !== 'skid' && opts.plant !== 'dosing') throw new CliError(`--plant must be skid or dosing, got '${opts.plant}'`, EXIT.usage);
        const signal = signalPromise(log);
        const { startModbusSim } = await import('../../../simulators/modbus/index.js');
        const s = await startModbusSim({
          host: opts.host,
          port: opts.port,
          mbap: opts.tcp,
          rtuPort: opts.rtuPort,
          serialPath: opts.serial,
          serial: { baud: opts.baud, parity: opts.parity as 'none' | 'even' | 'odd', dataBits: opts.dataBits, stopBits: opts.stopBits },
          plant: opts.plant,
          unitId: opts.unit,
          logFile: opts.log,
        });
        const ready = { ...(s.address && { modbus: s.address }), ...(s.rtuAddress && { rtu: s.rtuAddress }), ...(s.serialPath && { serial: s.serialPath }) };
        log.info({ ...ready, unit: opts.unit, plant: opts.plant }, 'Modbus PLC simulator listening');
        process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
        return untilSignal(log, signal, () => s.close());
      }),
    );

  sim
    .command('opcua')
    .description('OPC UA reactor PLC simulator (tags, StartBatch/Stop methods) with a process model')
    .addHelpText('after', `\n${describeOpcuaSim()}`)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'listen port', parseIntOption(), 4840)
    .option('--pki <dir>', 'certificate folder (default: a folder under the OS temp dir); trusted client certificates go to PKI/server/trusted/certs')
    .option('--user <name>', 'hardened like a PLC with security on: Basic256Sha256+ with Sign/SignAndEncrypt, this user only (needs --password-file), no anonymous, only trusted client certificates')
    .option('--password-file <file>', 'first line: the password of --user')
    .option('--trust-client <cert>', 'with --user: trust this client certificate (PEM or DER; repeatable), e.g. the gateway\'s PKI/plc-client/own/certs/client_certificate.pem', collect)
    .option('--log <file>', 'append every applied write and call as a JSON line')
    .option('--log-level <level>', 'log level', 'info')
    .action(
      action(async (opts: { host: string; port: number; pki?: string; user?: string; passwordFile?: string; trustClient?: string[]; log?: string; logLevel: string }) => {
        const log = createLogger({ level: opts.logLevel, name: 'sim-opcua' });
        if ((opts.user === undefined) !== (opts.passwordFile === undefined)) throw new CliError('--user and --password-file go together', EXIT.usage);
        if (opts.trustClient && opts.user === undefined) throw new CliError('--trust-client needs --user (an open simulator trusts every client)', EXIT.usage);
        let security: { users: Record<string, string>; trustedClientCertificates: string[] } | undefined;
        if (opts.user !== undefined && opts.passwordFile !== undefined) {
          const password = readFileSync(opts.passwordFile, 'utf8').split(/\r?\n/)[0] ?? '';
          if (password === '') throw new CliError(`--password-file ${opts.passwordFile} is empty`);
          security = { users: { [opts.user]: password }, trustedClientCertificates: opts.trustClient ?? [] };
        }
        const signal = signalPromise(log);
        const { startOpcuaSim } = await import('../../../simulators/opcua/index.js');
        const s = await startOpcuaSim({ host: opts.host, port: opts.port, pkiDir: opts.pki, logFile: opts.log, security });
        log.info({ endpoint: s.endpoint, secured: security !== undefined, certificate: s.certificateFile }, 'OPC UA PLC simulator listening');
        process.stdout.write(`READY ${JSON.stringify({ opcua: s.endpoint, certificate: s.certificateFile })}\n`);
        return untilSignal(log, signal, () => s.close());
      }),
    );
}

interface ModbusSimFlags {
  host: string;
  port: number;
  tcp: boolean;
  rtuPort?: number;
  serial?: string;
  baud: number;
  parity: string;
  dataBits: number;
  stopBits: number;
  plant: 'skid' | 'dosing';
  unit: number;
  log?: string;
  logLevel: string;
}
