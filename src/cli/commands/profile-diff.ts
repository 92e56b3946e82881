/** `taogate profile diff OLD NEW`: what a profile change opens or closes, and the policy hash of each side. */
import type { Command } from 'commander';
import { diffProfiles, type ProfileDiff } from '../../policy/diff.js';
import { loadProfile, ProfileError } from '../../policy/index.js';
import { action, output } from '../action.js';
import { CliError, EXIT } from '../exit.js';

const MARK = { opens: '+', closes: '-', neutral: '~' } as const;

export function registerProfileDiff(profile: Command): void {
  profile
    .command('diff')
    .description('what changes between two profiles: + opens (more is allowed), - closes, ~ neutral; and the policy hash of each')
    .argument('<old>', 'the profile in force')
    .argument('<new>', 'the proposed profile')
    .option('--json', 'print {old:{source,policyHash}, new:{...}, changes:[{impact,subject,what}]}')
    .addHelpText('after', '\nexit 0 (whether or not they differ); 1 when a profile does not load')
    .action(
      action(async (oldPath: string, newPath: string, opts: { json?: boolean }) => {
        const diff = diffProfiles(load(oldPath), load(newPath));
        output(Boolean(opts.json), diff, describe(diff));
        return EXIT.ok;
      }),
    );
}

function load(path: string) {
  try {
    return loadProfile(path);
  } catch (err) {
    throw new CliError(err instanceof ProfileError ? err.message : `${path}: ${(err as Error).message}`);
  }
}

function describe(d: ProfileDiff): string {
  const lines = [`old ${d.old.source} policy ${d.old.policyHash}`, `new ${d.new.source} policy ${d.new.policyHash}`];
  if (d.changes.length === 0) lines.push(d.old.policyHash === d.new.policyHash ? 'no policy change' : 'no change in tags, limits, roles or actors');
  const opens = d.changes.filter((c) => c.impact === 'opens').length;
  const closes = d.changes.filter((c) => c.impact === 'closes').length;
  if (d.changes.length) lines.push(`${d.changes.length} changes: ${opens} open, ${closes} close, ${d.changes.length - opens - closes} neutral`);
  for (const c of d.changes) lines.push(`${MARK[c.impact]} ${c.subject}: ${c.what}`);
  return lines.join('\n');
}
