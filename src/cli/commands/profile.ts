import type { Command } from 'commander';
import { checkProfileFile } from '../../policy/index.js';
import { action, output } from '../action.js';
import { EXIT } from '../exit.js';

export function registerProfileCommands(program: Command): void {
  const profile = program.command('profile').description('YAML tag-policy profiles');
  profile
    .command('check')
    .description('validate a profile; prints FILE:LINE:COL: message per error')
    .argument('<file>', 'profile YAML file')
    .option('--json', 'print {ok, errors:[{file,line,col,message}]} on stdout')
    .action(
      action(async (file: string, opts: { json?: boolean }) => {
        const result = checkProfileFile(file);
        if (opts.json) output(true, result, '');
        else if (result.ok) process.stdout.write(`${file}: ok\n`);
        else for (const e of result.errors) process.stderr.write(`${e.file}:${e.line}:${e.col}: ${e.message}\n`);
        return result.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}
