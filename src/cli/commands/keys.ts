import type { Command } from 'commander';
import { action, output } from '../action.js';
import { existsSync } from 'node:fs';
import { initKeys, mqttUsersFor } from '../keys-init.js';
import { keyPaths } from '../paths.js';
import { DEFAULT_BROKER_HOSTS, initTls } from '../tls-init.js';
import { loadProfileOrExit } from '../profile-source.js';
import { registerKeyRotationCommands } from './keys-rotate.js';
import { addPkcs11InitOptions, pkcs11KeyMaker, type Pkcs11InitOptions } from './keys-hardware.js';

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('Ed25519 keys, the trust store and broker credentials');
  registerKeyRotationCommands(keys);
  addPkcs11InitOptions(keys.command('init'))
    .description('create governance, gateway, upstream, approver and actor key pairs, a trust store, MQTT credentials and the password file of each OPC UA PLC login the profile keeps in the keys dir (private files mode 0600); never overwrites')
    .requiredOption('--dir <dir>', 'where to write the keys')
    .option('--profile <file>', 'profile naming the gateway, approvers and actors (default: profiles/demo-cell.yaml)')
    .option('--validity-days <n>', 'validity window of the keys in the trust store', '3650')
    .option('--tls', 'also make a control-plane CA and a certificate per MQTT user and for the broker in DIR/tls (openssl); on an existing keys dir, only the TLS files')
    .option('--tls-host <name>', `a DNS name or IP of the broker for its certificate (repeatable; default ${DEFAULT_BROKER_HOSTS.join(', ')})`, (v: string, prev: string[] = []) => [...prev, v])
    .option('--json', 'print {dir, created:[...]}')
    .action(
      action(async (opts: { dir: string; profile?: string; validityDays: string; tls?: boolean; tlsHost?: string[]; json?: boolean } & Pkcs11InitOptions) => {
        const profile = loadProfileOrExit(opts.profile);
        const tlsOnly = opts.tls === true && existsSync(keyPaths(opts.dir).trust);
        const result = tlsOnly ? { dir: keyPaths(opts.dir).dir, created: [] as string[] } : initKeys(opts.dir, profile, { validityDays: Number(opts.validityDays), tokenKey: pkcs11KeyMaker(opts) });
        if (opts.tls) result.created.push(...initTls(result.dir, mqttUsersFor(profile.gateway.id).map((u) => u.username), { brokerHosts: opts.tlsHost }));
        output(opts.json === true, result, `created ${result.created.length} files in ${result.dir}\n${result.created.map((f) => `  ${f}`).join('\n')}`);
      }),
    );
}
