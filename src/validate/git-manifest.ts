/**
 * A source checkout's own manifest: the git commit it is checked out at.
 * Each tracked file under the manifest's folders is hashed as a git blob
 * (SHA-1 of "blob LEN\0" + content) and compared with HEAD's tree; files git
 * does not track there count as added. Needs the git command.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestCheck } from './manifest.js';

const PATHS = ['package.json', 'src', 'simulators', 'profiles'];

function git(root: string, args: string[]): string {
  return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
}

function blobHash(path: string): string {
  const data = readFileSync(path);
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

/** undefined when `root` is not a git checkout (or git is missing). */
export function checkAgainstCommit(root: string): (ManifestCheck & { commit: string }) | undefined {
  if (!existsSync(join(root, '.git'))) return undefined;
  let commit: string;
  let tree: string;
  let untracked: string;
  try {
    commit = git(root, ['rev-parse', 'HEAD']).trim();
    tree = git(root, ['ls-tree', '-r', 'HEAD', '--', ...PATHS]);
    untracked = git(root, ['ls-files', '--others', '--exclude-standard', '--', ...PATHS]);
  } catch {
    return undefined;
  }
  const changed: string[] = [];
  const missing: string[] = [];
  let checked = 0;
  for (const line of tree.split('\n')) {
    const m = /^\d+ blob ([0-9a-f]{40})\t(.+)$/.exec(line);
    if (!m) continue;
    checked++;
    const p = join(root, m[2] as string);
    if (!existsSync(p)) missing.push(m[2] as string);
    else if (blobHash(p) !== m[1]) changed.push(m[2] as string);
  }
  const extra = untracked.split('\n').filter(Boolean);
  return { ok: changed.length + missing.length + extra.length === 0, checked, changed, missing, extra, commit };
}
