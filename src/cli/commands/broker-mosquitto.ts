/**
 * `taogate broker mosquitto-config`: configuration for Mosquitto 2.0 as the
 * site broker, from the keys dir (broker users and their secrets) and the
 * ACL table the bundled broker enforces. See docs/mqtt.md.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { mosquittoAcl, mosquittoConf, mosquittoPasswordLine, readUsersFile } from '../../mqtt/index.js';
import { action, output, parseIntOption } from '../action.js';
import { CliError, EXIT } from '../exit.js';
import { keyPaths } from '../paths.js';
import { tlsPaths } from '../tls-init.js';

interface MosquittoOpts {
  keys: string;
  out: string;
  host: string;
  port: number;
  tls?: boolean;
  user?: string;
  json?: boolean;
}

export function registerMosquittoConfigCommand(program: Command): void {
  const broker = program.commands.find((c) => c.name() === 'broker');
  if (!broker) throw new Error('register the broker command first');
  // `broker` has --keys/--host/--port of its own: options after `mosquitto-config` are the
  // subcommand's (commander needs positional options on every level above it; taogate has no
  // program-level options besides --help and --version).
  program.enablePositionalOptions();
  broker.enablePositionalOptions();
  broker
    .command('mosquitto-config')
    .description('write mosquitto.conf, a Mosquitto password file and an ACL file generated from the taogate ACL table (Mosquitto 2.0)')
    .requiredOption('--keys <dir>', 'keys dir with mqtt-users.json and mqtt/<user>.secret (and tls/ with --tls)')
    .requiredOption('--out <dir>', 'where to write mosquitto.conf, passwd and acl')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'listen port', parseIntOption(), 1883)
    .option('--tls', 'listen with TLS and require client certificates from KEYS/tls (keys init --tls); the certificate CN is the username')
    .option('--user <account>', 'the system account Mosquitto runs as (conf `user`; started as root it switches to `mosquitto`): it must be able to read passwd (mode 0600: chown it to that account)')
    .option('--json', 'print {conf, passwd, acl, users}')
    .action(
      action(async (opts: MosquittoOpts) => {
        const files = writeMosquittoConfig(opts);
        output(opts.json === true, files, `wrote ${files.conf}, ${files.passwd} (${files.users.length} users) and ${files.acl}\nrun: mosquitto -c ${files.conf}`);
        return EXIT.ok;
      }),
    );
}

export interface MosquittoFiles {
  readonly conf: string;
  readonly passwd: string;
  readonly acl: string;
  readonly users: string[];
}

/** Writes mosquitto.conf, passwd and acl into `out` (also used by the tests that run a real Mosquitto). */
export function writeMosquittoConfig(opts: Omit<MosquittoOpts, 'json'>): MosquittoFiles {
  const kp = keyPaths(opts.keys);
  if (!existsSync(kp.mqttUsers)) throw new CliError(`--keys: ${kp.mqttUsers} not found (run taogate keys init first)`);
  let users;
  try {
    users = readUsersFile(kp.mqttUsers).users;
  } catch (err) {
    throw new CliError(`--keys: ${(err as Error).message}`);
  }
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true, mode: 0o750 });
  const files = { conf: join(out, 'mosquitto.conf'), passwd: join(out, 'passwd'), acl: join(out, 'acl') };

  const lines = users.map((u) => {
    const secret = kp.mqttSecret(u.username);
    if (!existsSync(secret)) throw new CliError(`no password for broker user '${u.username}': ${secret} not found`);
    return mosquittoPasswordLine(u.username, readFileSync(secret, 'utf8').trim());
  });
  let tls: { ca: string; cert: string; key: string } | undefined;
  if (opts.tls) {
    const tp = tlsPaths(kp.dir);
    tls = { ca: tp.ca, cert: tp.cert('broker'), key: tp.key('broker') };
    for (const f of Object.values(tls)) if (!existsSync(f)) throw new CliError(`--tls: ${f} not found (run taogate keys init --dir ${kp.dir} --tls)`, EXIT.failed);
  }
  writeFileSync(files.passwd, lines.join('\n') + '\n', { mode: 0o600 });
  chmodSync(files.passwd, 0o600);
  writeFileSync(files.acl, mosquittoAcl(users), { mode: 0o644 });
  writeFileSync(files.conf, mosquittoConf({ host: opts.host, port: opts.port, passwordFile: files.passwd, aclFile: files.acl, tls, runAs: opts.user }), { mode: 0o644 });
  return { ...files, users: users.map((u) => u.username) };
}
