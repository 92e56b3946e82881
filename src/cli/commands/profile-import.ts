/**
 * Commissioning from the PLC, under `taogate profile`:
 *   profile import opcua ENDPOINT     browse a PLC -> profile skeleton
 *   profile import modbus-csv FILE    a register map -> profile skeleton
 *   profile hash-password             stdin -> a password_hash value
 * Skeletons pass `profile check` unchanged and make nothing writable
 * (write_roles: [], call_roles: []). Nothing is written on an error.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { OpcuaPlcIdentity, OpcuaSecurityMode, OpcuaSecurityPolicy } from '../../policy/types.js';
import { hashPassword } from '../../policy/password.js';
import { action, output, parseIntOption } from '../action.js';
import { CliError, EXIT } from '../exit.js';
import { dataPaths, keysDir } from '../paths.js';
import { readPassword } from '../password-input.js';

const POLICIES: readonly OpcuaSecurityPolicy[] = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'];
const MODES: readonly OpcuaSecurityMode[] = ['None', 'Sign', 'SignAndEncrypt'];
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function oneOf<T extends string>(allowed: readonly T[], what: string): (v: string) => T {
  return (v) => {
    if (!(allowed as readonly string[]).includes(v)) throw new InvalidArgumentError(`${what} must be one of ${allowed.join(', ')}`);
    return v as T;
  };
}

function identifier(v: string): string {
  if (!IDENTIFIER.test(v)) throw new InvalidArgumentError('letters, digits, _ . - (starting with a letter or digit), at most 64');
  return v;
}

/** Writes the skeleton to --out (never over an existing file without --force) or stdout. */
function emit(yaml: string, out: string | undefined, force: boolean): void {
  if (out === undefined) {
    process.stdout.write(yaml);
    return;
  }
  if (existsSync(out) && !force) throw new CliError(`--out ${out} already exists (give --force to replace it)`);
  writeFileSync(out, yaml);
}

interface SkeletonOpts {
  out?: string;
  force?: boolean;
  gatewayId: string;
  site: string;
  json?: boolean;
}

export function registerProfileImportCommands(profile: Command): void {
  const imp = profile.command('import').description('write a profile skeleton from a PLC (OPC UA browse) or a register map (CSV); nothing is writable until roles are assigned');
  const skeletonOptions = (c: Command) =>
    c
      .option('--out <file>', 'write the profile here (default: stdout)')
      .option('--force', 'replace --out if it exists')
      .option('--gateway-id <id>', 'gateway.id of the skeleton', identifier, 'gw-1')
      .option('--site <path>', 'gateway.site of the skeleton (plant/area/cell)', 'site/area/cell')
      .option('--json', 'print {out, tags, methods, skipped} on stdout (needs --out)');

  skeletonOptions(
    imp
      .command('opcua')
      .description('browse the PLC\'s Objects folder: every Variable a tag (node id, type, EngineeringUnits, EURange, Description), every Method a gated method')
      .argument('<endpoint>', 'the PLC, e.g. opc.tcp://10.0.0.5:4840')
      .option('--security-policy <policy>', `${POLICIES.join(' | ')} (default Basic256Sha256)`, oneOf(POLICIES, '--security-policy'))
      .option('--security-mode <mode>', `${MODES.join(' | ')} (default SignAndEncrypt; None with policy None)`, oneOf(MODES, '--security-mode'))
      .option('--user <name>', 'log in as this user (needs --password-file)')
      .option('--password-file <file>', 'file whose first line is the password of --user')
      .option('--device <name>', 'device id (and tag name prefix) in the profile', identifier, 'plc')
      .option('--pki <dir>', "the gateway's PLC-client PKI: its certificate and the PLC certificates it trusts (default DATA/pki/gateway-opcua/plc-client)")
      .option('--data <dir>', 'demo-layout data dir (default ./data)')
      .option('--keys <dir>', 'keys dir: a password file inside it is written relative to it (default DATA/keys)')
      .option('--timeout-ms <n>', 'give up after this long (connect, login and browse)', parseIntOption(), 10_000),
  ).action(
    action(async (endpoint: string, opts: SkeletonOpts & { securityPolicy?: OpcuaSecurityPolicy; securityMode?: OpcuaSecurityMode; user?: string; passwordFile?: string; device: string; pki?: string; data?: string; keys?: string; timeoutMs: number }) => {
      if (!/^opc\.tcp:\/\/.+/.test(endpoint)) throw new CliError(`endpoint '${endpoint}' must start with opc.tcp://`, EXIT.usage);
      if ((opts.user === undefined) !== (opts.passwordFile === undefined)) throw new CliError('--user and --password-file go together', EXIT.usage);
      if (opts.json && !opts.out) throw new CliError('--json needs --out (stdout carries the profile otherwise)', EXIT.usage);
      const securityPolicy = opts.securityPolicy ?? 'Basic256Sha256';
      const securityMode = opts.securityMode ?? (securityPolicy === 'None' ? 'None' : 'SignAndEncrypt');
      if ((securityPolicy === 'None') !== (securityMode === 'None')) throw new CliError(`--security-policy ${securityPolicy} and --security-mode ${securityMode} do not go together (None only with None)`, EXIT.usage);
      const keys = keysDir({ keys: opts.keys, data: opts.data });
      let identity: OpcuaPlcIdentity = { kind: 'anonymous' };
      let profilePasswordFile: string | undefined;
      if (opts.user !== undefined && opts.passwordFile !== undefined) {
        const file = resolve(opts.passwordFile);
        if (!existsSync(file)) throw new CliError(`--password-file ${file}: no such file`);
        identity = { kind: 'user', user: opts.user, passwordFile: file };
        const rel = relative(keys, file);
        profilePasswordFile = rel.startsWith('..') || isAbsolute(rel) ? file : rel;
      }
      const pkiDir = resolve(opts.pki ?? join(dataPaths(opts.data ?? './data').root, 'pki', 'gateway-opcua', 'plc-client'));
      const { importOpcua } = await import('../../import/opcua.js');
      // node-opcua may leave a timer behind after a failed connect: the command ends at most 1 s after its answer.
      const exitSoon = () => setTimeout(() => process.exit(), 1000).unref();
      const result = await importOpcua({
        endpoint,
        device: opts.device,
        securityPolicy,
        securityMode,
        identity,
        profilePaths: { passwordFile: profilePasswordFile },
        pkiDir,
        timeoutMs: opts.timeoutMs,
        gateway: { id: opts.gatewayId, site: opts.site },
      })
        .catch((err: Error) => {
          throw new CliError(`import from ${endpoint}: ${err.message}`);
        })
        .finally(exitSoon);
      for (const s of result.skipped) process.stderr.write(`taogate: skipped ${s}\n`);
      emit(result.yaml, opts.out, opts.force === true);
      if (opts.out) output(opts.json === true, { out: opts.out, tags: result.tags, methods: result.methods, skipped: result.skipped }, `${opts.out}: ${result.tags} tags, ${result.methods} methods from ${endpoint}; nothing is writable until you assign write_roles / call_roles`);
    }),
  );

  skeletonOptions(
    imp
      .command('modbus-csv')
      .description('read a register map: name,table,address,type,word_order,units,min,max,description (header row first; errors name the line)')
      .argument('<file>', 'the CSV file')
      .requiredOption('--device <name>', 'device id (and tag name prefix) in the profile', identifier)
      .option('--host <host>', "the PLC's address for the device entry", '127.0.0.1')
      .option('--port <n>', "the PLC's Modbus TCP port", parseIntOption(), 502)
      .option('--unit <n>', 'Modbus unit id', parseIntOption(), 1),
  ).action(
    action(async (file: string, opts: SkeletonOpts & { device: string; host: string; port: number; unit: number }) => {
      if (opts.json && !opts.out) throw new CliError('--json needs --out (stdout carries the profile otherwise)', EXIT.usage);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CliError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      const { importModbusCsv } = await import('../../import/modbus-csv.js');
      const result = importModbusCsv({ file, text, device: opts.device, host: opts.host, port: opts.port, unit: opts.unit, gateway: { id: opts.gatewayId, site: opts.site } });
      if (!result.ok) {
        for (const e of result.errors) process.stderr.write(`${e}\n`);
        return EXIT.failed;
      }
      emit(result.yaml, opts.out, opts.force === true);
      if (opts.out) output(opts.json === true, { out: opts.out, tags: result.tags, methods: 0, skipped: [] }, `${opts.out}: ${result.tags} tags from ${file}; nothing is writable until you assign write_roles`);
      return EXIT.ok;
    }),
  );

  profile
    .command('hash-password')
    .description('read a password on stdin (no echo on a terminal) and print a password_hash value (scrypt) for actors.*.opcua.password_hash')
    .option('--json', 'print {"password_hash": ...}')
    .action(
      action(async (opts: { json?: boolean }) => {
        const password = await readPassword('Password: ');
        const hash = hashPassword(password);
        output(opts.json === true, { password_hash: hash }, hash);
      }),
    );
}
