// `npm run build`: compiles src/ and simulators/ to dist/ (one .js per .ts,
// same layout, ES modules for Node 20), with esbuild, the compiler tsx runs
// the sources through; no bundling, no type check (`npm run typecheck` does
// that). `taogate` runs the build when it is fresh (./build-stamp.mjs) and
// the sources through tsx otherwise: same code, but the build starts without
// a loader thread and without reading source maps, and holds ~30 MB less.
//
//   node src/cli/build.mjs [--quiet]
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, version as esbuildVersion } from 'esbuild';
import { BUILD_DIR, PACKAGE_ROOT as root, sourceFiles, sourceFingerprint, STAMP_FILE } from './build-stamp.mjs';

const final = join(root, BUILD_DIR);
// Built beside dist/ and swapped in at the end: a process running from dist/ meanwhile (a gateway
// that imports a module late) never finds it half-written, and a failed build leaves the old one.
const out = join(root, `.${BUILD_DIR}-new-${process.pid}`);
const started = performance.now();
const files = sourceFiles(root);
const fingerprint = sourceFingerprint(root, files);

rmSync(out, { recursive: true, force: true });
process.once('exit', () => rmSync(out, { recursive: true, force: true })); // a failed build leaves nothing behind
await build({
  entryPoints: files.map((f) => join(root, f)),
  outdir: out,
  outbase: root,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
});

// The verify pool's worker entry: in the sources it registers tsx first (workers do not inherit
// a loader); the build's loads the compiled worker directly.
mkdirSync(join(out, 'src/ledger'), { recursive: true });
writeFileSync(join(out, 'src/ledger/verify-worker.mjs'), "// Written by src/cli/build.mjs: the compiled verify worker's entry.\nawait import('./verify-worker.js');\n");

// The stamp last: a build cut short has none and is never run.
writeFileSync(join(out, STAMP_FILE), `${JSON.stringify({ fingerprint, files: files.length, builtAt: new Date().toISOString(), esbuild: esbuildVersion }, null, 2)}\n`);
const old = join(root, `.${BUILD_DIR}-old-${process.pid}`);
if (existsSync(final)) renameSync(final, old);
renameSync(out, final);
rmSync(old, { recursive: true, force: true });
if (!process.argv.includes('--quiet')) console.log(`taogate build: ${files.length} files -> ${BUILD_DIR}/ in ${Math.round(performance.now() - started)} ms`);
