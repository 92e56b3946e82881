/** IQ-01: the software version, and every installed file against the package's own manifest. */
import { existsSync } from 'node:fs';
import { checkManifest, manifestDigest, packageInfo, readManifest } from '../manifest.js';
import { NotRun, type Check } from '../types.js';

export const iqSoftware: Check = {
  id: 'IQ-01',
  phase: 'IQ',
  title: 'Software version and integrity of the installed package',
  async run(ctx) {
    const root = ctx.o.packageRoot;
    const pkg = packageInfo(root);
    const path = ctx.o.manifestPath;
    const done = [`read ${root}/package.json: ${pkg.name} ${pkg.version}, Node.js ${process.version}`];
    if (!path || !existsSync(path)) throw new NotRun(`no file manifest ships with this installation (${path ?? 'none given'}); a packed install carries taogate-manifest.json, or pass --manifest FILE`, done);
    const m = readManifest(path);
    const r = checkManifest(root, m);
    done.push(`hashed every file under package.json, src/, simulators/, profiles/ with SHA-256 and compared with ${path} (${r.checked} files)`);
    const versionOk = m.version === pkg.version && m.name === pkg.name;
    const list = (xs: readonly string[]) => (xs.length ? xs.slice(0, 10).join(', ') + (xs.length > 10 ? ` and ${xs.length - 10} more` : '') : 'none');
    return {
      ok: r.ok && versionOk,
      done,
      expected: `every file matches the manifest of ${pkg.name} ${pkg.version}; no file missing or added`,
      observed: `${r.checked} files checked; changed: ${list(r.changed)}; missing: ${list(r.missing)}; added: ${list(r.extra)}; manifest version ${m.name} ${m.version}`,
      evidence: { version: pkg.version, node: process.version, manifest: path, manifestDigest: manifestDigest(m), files: r.checked, changed: r.changed.length, missing: r.missing.length, added: r.extra.length },
    };
  },
};
