/** IQ-01: the software version, and every installed file against the package's own manifest. */
import { existsSync } from 'node:fs';
import { checkBuild, type BuildCheck } from '../build-check.js';
import { checkAgainstCommit } from '../git-manifest.js';
import { checkManifest, manifestDigest, packageInfo, readManifest } from '../manifest.js';
import { NotRun, type Check, type CheckOutcome } from '../types.js';

const list = (xs: readonly string[]) => (xs.length ? xs.slice(0, 10).join(', ') + (xs.length > 10 ? ` and ${xs.length - 10} more` : '') : 'none');

/** The compiled build's part of the expected / observed text and the evidence. */
function buildParts(b: BuildCheck): { expected: string; observed: string; evidence: Record<string, string | number> } {
  const observed = b.runs === 'sources' ? ` Code: ${b.summary}.` : ` Code: ${b.summary}; build differs: ${list(b.changed)}; build lacks: ${list(b.missing)}; build has extra: ${list(b.extra)}.`;
  return {
    expected: '; the compiled build, when it is what runs, is exactly a rebuild of these sources',
    observed,
    evidence: { runs: b.runs, buildFiles: b.checked, buildChanged: b.changed.length, buildMissing: b.missing.length, buildAdded: b.extra.length },
  };
}

export const iqSoftware: Check = {
  id: 'IQ-01',
  phase: 'IQ',
  title: 'Software version and integrity of the installed package',
  async run(ctx): Promise<CheckOutcome> {
    const root = ctx.o.packageRoot;
    const pkg = packageInfo(root);
    const path = ctx.o.manifestPath;
    const done = [`read ${root}/package.json: ${pkg.name} ${pkg.version}, Node.js ${process.version}`];
    const build = await checkBuild(root);
    const bp = buildParts(build);
    if (!path || !existsSync(path)) {
      const git = checkAgainstCommit(root);
      if (!git) throw new NotRun(`no file manifest ships with this installation (${path ?? 'none given'}) and it is not a git checkout; a packed install carries taogate-manifest.json, or pass --manifest FILE`, [...done, `${build.summary}${build.ok ? '' : ' (does NOT match)'}`]);
      done.push(`no packed manifest: a source checkout, so hashed every file under package.json, src/, simulators/, profiles/ as git blobs and compared with commit ${git.commit} (${git.checked} files)`, build.summary);
      return {
        ok: git.ok && build.ok,
        done,
        expected: `every file is as in commit ${git.commit}; none missing, none untracked${bp.expected}`,
        observed: `${git.checked} files checked; changed: ${list(git.changed)}; missing: ${list(git.missing)}; untracked: ${list(git.extra)}.${bp.observed}`,
        evidence: { version: pkg.version, node: process.version, commit: git.commit, files: git.checked, changed: git.changed.length, missing: git.missing.length, added: git.extra.length, ...bp.evidence },
      };
    }
    const m = readManifest(path);
    const r = checkManifest(root, m);
    done.push(`hashed every file under package.json, src/, simulators/, profiles/ with SHA-256 and compared with ${path} (${r.checked} files)`, build.summary);
    const versionOk = m.version === pkg.version && m.name === pkg.name;
    return {
      ok: r.ok && versionOk && build.ok,
      done,
      expected: `every file matches the manifest of ${pkg.name} ${pkg.version}; no file missing or added${bp.expected}`,
      observed: `${r.checked} files checked; changed: ${list(r.changed)}; missing: ${list(r.missing)}; added: ${list(r.extra)}; manifest version ${m.name} ${m.version}.${bp.observed}`,
      evidence: { version: pkg.version, node: process.version, manifest: path, manifestDigest: manifestDigest(m), files: r.checked, changed: r.changed.length, missing: r.missing.length, added: r.extra.length, ...bp.evidence },
    };
  },
};
