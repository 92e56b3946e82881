import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { checkProfileFile, formatIssue } from '../../policy/index.js';
import { PROFILE_SCHEMA_PATH, profileReference } from '../../policy/schema-doc.js';
import { action, output } from '../action.js';
import { EXIT } from '../exit.js';
import { registerProfileImportCommands } from './profile-import.js';
import { registerProfileDiff } from './profile-diff.js';

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
        else for (const e of result.errors) process.stderr.write(`${formatIssue(e)}\n`);
        return result.ok ? EXIT.ok : EXIT.failed;
      }),
    );
  profile
    .command('reference')
    .description('print the profile reference (Markdown) generated from the JSON Schema')
    .action(
      action(async () => {
        process.stdout.write(profileReference());
      }),
    );
  profile
    .command('schema')
    .description('print the JSON Schema of profiles (for editors and CI)')
    .action(
      action(async () => {
        process.stdout.write(readFileSync(PROFILE_SCHEMA_PATH, 'utf8'));
      }),
    );
  registerProfileDiff(profile);
  registerProfileImportCommands(profile);
}
