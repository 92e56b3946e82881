import type { Command } from 'commander';
import { action, output } from '../action.js';
import { initKeys } from '../keys-init.js';
import { loadProfileOrExit } from '../profile-source.js';

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('Ed25519 keys, the trust store and broker credentials');
  keys
    .command('init')
    .description('create governance, gateway, upstream, approver and actor key pairs, a trust store and MQTT credentials (private files mode 0600); never overwrites')
    .requiredOption('--dir <dir>', 'where to write the keys')
    .option('--profile <file>', 'profile naming the gateway, approvers and actors (default: profiles/demo-cell.yaml)')
    .option('--validity-days <n>', 'validity window of the keys in the trust store', '3650')
    .option('--json', 'print {dir, created:[...]}')
    .action(
      action(async (opts: { dir: string; profile?: string; validityDays: string; json?: boolean }) => {
        const profile = loadProfileOrExit(opts.profile);
        const result = initKeys(opts.dir, profile, { validityDays: Number(opts.validityDays) });
        output(opts.json === true, result, `created ${result.created.length} files in ${result.dir}\n${result.created.map((f) => `  ${f}`).join('\n')}`);
      }),
    );
}
