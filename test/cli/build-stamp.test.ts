/**
 * `taogate` runs the compiled build (dist/) only while it is the build of the
 * sources as they are (src/cli/build-stamp.mjs); a stale or half-written build
 * is never run: the sources run through tsx instead.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildIsFresh, readStamp, runsBuild, sourceFiles, sourceFingerprint } from '../../src/cli/build-stamp.mjs';
import { PACKAGE_ROOT } from '../../src/package-root.js';

describe('compiled build: fresh or not run', () => {
  let root: string;
  const T0 = 1_780_000_000;
  const stamp = (fingerprint: string) => writeFileSync(join(root, 'dist', 'build.json'), JSON.stringify({ fingerprint }));

  beforeEach(() => {
    root = mkdtempSync(join(process.cwd(), '.tmp-build-stamp-'));
    mkdirSync(join(root, 'src', 'sub'), { recursive: true });
    mkdirSync(join(root, 'simulators'));
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'src', 'sub', 'b.ts'), 'export const b = 2;\n');
    writeFileSync(join(root, 'src', 'types.d.ts'), 'declare const x: number;\n');
    writeFileSync(join(root, 'src', 'entry.mjs'), '// not compiled\n');
    writeFileSync(join(root, 'simulators', 'c.ts'), 'export const c = 3;\n');
    // Whole seconds: a time set back through utimes is then exactly the one stamped.
    for (const f of sourceFiles(root)) utimesSync(join(root, f), T0, T0);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('when the build covers the .ts files under src/ and simulators/ it is fresh; .d.ts and .mjs files are not compiled', () => {
    expect(sourceFiles(root)).to.deep.equal(['simulators/c.ts', 'src/a.ts', 'src/sub/b.ts']);
    expect(buildIsFresh(root), 'no stamp yet').to.equal(false);
    stamp(sourceFingerprint(root));
    expect(buildIsFresh(root)).to.equal(true);
    writeFileSync(join(root, 'src', 'types.d.ts'), 'declare const y: string;\n');
    writeFileSync(join(root, 'src', 'entry.mjs'), '// changed\n');
    expect(buildIsFresh(root), 'declarations and entries are not part of the build').to.equal(true);
  });

  it('when TAOGATE_FROM_SOURCE=1 the sources run even with a fresh build; otherwise the build runs only while fresh', () => {
    expect(runsBuild(root, {}), 'no stamp').to.equal(false);
    stamp(sourceFingerprint(root));
    expect(runsBuild(root, {})).to.equal(true);
    expect(runsBuild(root, { TAOGATE_FROM_SOURCE: '1' })).to.equal(false);
    expect(runsBuild(root, { TAOGATE_FROM_SOURCE: '0' })).to.equal(true);
  });

  it('when a source is edited (time or size), added or removed the build is stale', () => {
    stamp(sourceFingerprint(root));
    const a = join(root, 'src', 'a.ts');
    utimesSync(a, T0, T0 + 1);
    expect(buildIsFresh(root), 'touched').to.equal(false);
    utimesSync(a, T0, T0);
    expect(buildIsFresh(root), 'as before').to.equal(true);
    appendFileSync(a, '//');
    utimesSync(a, T0, T0);
    expect(buildIsFresh(root), 'same time, one more byte').to.equal(false);
    stamp(sourceFingerprint(root));
    writeFileSync(join(root, 'src', 'sub', 'new.ts'), 'export {};\n');
    expect(buildIsFresh(root), 'added').to.equal(false);
    rmSync(join(root, 'src', 'sub', 'new.ts'));
    expect(buildIsFresh(root)).to.equal(true);
    rmSync(join(root, 'simulators', 'c.ts'));
    expect(buildIsFresh(root), 'removed').to.equal(false);
  });

  it('when the stamp is missing, garbage or not a stamp the build is not run', () => {
    expect(buildIsFresh(root)).to.equal(false);
    writeFileSync(join(root, 'dist', 'build.json'), '{"fingerprint": ');
    expect(readStamp(root)).to.equal(undefined);
    expect(buildIsFresh(root)).to.equal(false);
    writeFileSync(join(root, 'dist', 'build.json'), '{"fingerprint": 7}');
    expect(buildIsFresh(root)).to.equal(false);
    rmSync(join(root, 'src'), { recursive: true });
    expect(buildIsFresh(root), 'no sources at all').to.equal(false);
  });

  it('when npm run build runs the package build is fresh and its CLI answers like the sources', function () {
    this.timeout(60_000);
    const built = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'src/cli/build.mjs')], { encoding: 'utf8' });
    expect(built.status, built.stderr).to.equal(0);
    expect(built.stdout).to.match(/taogate build: \d+ files -> dist\/ in \d+ ms/);
    expect(buildIsFresh(PACKAGE_ROOT)).to.equal(true);
    expect(readStamp(PACKAGE_ROOT)?.files).to.equal(sourceFiles(PACKAGE_ROOT).length);
    const help = (env: Record<string, string>) => spawnSync(process.execPath, [join(PACKAGE_ROOT, 'src/cli/taogate.mjs'), 'ledger', '--help'], { encoding: 'utf8', env: { ...process.env, ...env } });
    const fromBuild = help({});
    const fromSources = help({ TAOGATE_FROM_SOURCE: '1' });
    expect(fromBuild.status, fromBuild.stderr).to.equal(0);
    expect(fromSources.status, fromSources.stderr).to.equal(0);
    expect(fromBuild.stdout).to.equal(fromSources.stdout).and.match(/verify/);
  });
});
