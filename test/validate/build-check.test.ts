/**
 * IQ-01 and the compiled build: when dist/ is what runs, it must be exactly a
 * rebuild of the sources (src/validate/build-check.ts). On a small package in
 * a temp dir, built the way `npm run build` builds (src/cli/compile.mjs).
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceFiles, sourceFingerprint } from '../../src/cli/build-stamp.mjs';
import { compileSources, ESBUILD_VERSION } from '../../src/cli/compile.mjs';
import { checkBuild } from '../../src/validate/build-check.js';

describe('validate IQ-01: the compiled build is a rebuild of the sources', () => {
  let root: string;
  const dist = () => join(root, 'dist');
  const build = async (esbuild = ESBUILD_VERSION) => {
    rmSync(dist(), { recursive: true, force: true });
    await compileSources(root, sourceFiles(root), dist());
    writeFileSync(join(dist(), 'build.json'), JSON.stringify({ fingerprint: sourceFingerprint(root), esbuild }));
  };

  beforeEach(() => {
    // Inside the package, so esbuild resolves as it does for the real build.
    root = mkdtempSync(join(process.cwd(), '.tmp-build-check-'));
    mkdirSync(join(root, 'src', 'sub'), { recursive: true });
    mkdirSync(join(root, 'simulators'));
    writeFileSync(join(root, 'src', 'a.ts'), 'export const a: number = 1;\n');
    writeFileSync(join(root, 'src', 'sub', 'b.ts'), "import { a } from '../a.js';\nexport const b = (x: number): number => x + a;\n");
    writeFileSync(join(root, 'simulators', 'c.ts'), 'export const c = 3;\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('when dist/ is the build of the sources as they are, every file matches a rebuild', async () => {
    await build();
    const r = await checkBuild(root);
    expect(r).to.deep.include({ runs: 'build', ok: true, changed: [], missing: [], extra: [] });
    // a.js, b.js, c.js and the verify worker's entry the build writes.
    expect(r.checked).to.equal(4);
  });

  it('when a compiled file is changed, removed or added while the stamp still says fresh, the check fails and names it', async () => {
    await build();
    appendFileSync(join(dist(), 'src', 'a.js'), 'globalThis.owned = true;\n');
    unlinkSync(join(dist(), 'simulators', 'c.js'));
    writeFileSync(join(dist(), 'src', 'sub', 'extra.js'), 'export {};\n');
    const r = await checkBuild(root);
    expect(r).to.deep.include({ runs: 'build', ok: false, changed: ['src/a.js'], missing: ['simulators/c.js'], extra: ['src/sub/extra.js'] });
  });

  it('when the build is stale or absent it is not run, and the sources are reported as what runs', async () => {
    expect(await checkBuild(root)).to.deep.include({ runs: 'sources', ok: true });
    await build();
    writeFileSync(join(root, 'src', 'a.ts'), 'export const a: number = 2;\n');
    const r = await checkBuild(root);
    expect(r).to.deep.include({ runs: 'sources', ok: true });
    expect(r.summary).to.match(/stale/);
  });

  it('when dist/ was compiled by another esbuild version, it cannot be reproduced and the check fails saying so', async () => {
    await build('0.0.1');
    const r = await checkBuild(root);
    expect(r).to.deep.include({ runs: 'build', ok: false });
    expect(r.summary).to.contain('esbuild 0.0.1');
  });
});
