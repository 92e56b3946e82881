/** IQ-01's two manifests: the packed file manifest and a source checkout's git commit, on a small package in a temp dir. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAgainstCommit } from '../../src/validate/git-manifest.js';
import { buildManifest, checkManifest } from '../../src/validate/manifest.js';

describe('validate IQ-01 manifests', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'taogate-manifest-'));
    mkdirSync(join(root, 'src', 'a'), { recursive: true });
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'package.json'), '{"name":"pkg","version":"1.2.3"}\n');
    writeFileSync(join(root, 'src', 'a', 'one.ts'), 'export const one = 1;\n');
    writeFileSync(join(root, 'src', 'two.ts'), 'export const two = 2;\n');
    writeFileSync(join(root, 'docs', 'x.md'), 'not covered\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('when a file changes, goes missing or is added under the covered folders the packed manifest check names it', () => {
    const m = buildManifest(root);
    expect(m).to.deep.include({ name: 'pkg', version: '1.2.3' });
    expect(Object.keys(m.files)).to.deep.equal(['package.json', 'src/a/one.ts', 'src/two.ts']);
    expect(checkManifest(root, m).ok).to.equal(true);
    writeFileSync(join(root, 'src', 'a', 'one.ts'), 'export const one = 2;\n');
    rmSync(join(root, 'src', 'two.ts'));
    writeFileSync(join(root, 'src', 'three.ts'), '\n');
    writeFileSync(join(root, 'docs', 'x.md'), 'changed, but not covered\n');
    expect(checkManifest(root, m)).to.deep.include({ ok: false, checked: 3, changed: ['src/a/one.ts'], missing: ['src/two.ts'], extra: ['src/three.ts'] });
  });

  it('when a source checkout differs from its commit the git check names the file; an untracked file counts as added', function () {
    try {
      execFileSync('git', ['--version'], { stdio: 'ignore' });
    } catch {
      this.skip(); // no git on this machine: the checkout path of IQ-01 is NOT RUN there anyway
    }
    const git = (...args: string[]) => execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'release');
    const clean = checkAgainstCommit(root)!;
    expect(clean).to.deep.include({ ok: true, checked: 3 });
    expect(clean.commit).to.match(/^[0-9a-f]{40}$/);
    writeFileSync(join(root, 'src', 'two.ts'), 'export const two = 3;\n');
    writeFileSync(join(root, 'src', 'new.ts'), '\n');
    expect(checkAgainstCommit(root)).to.deep.include({ ok: false, changed: ['src/two.ts'], missing: [], extra: ['src/new.ts'] });
  });
});
