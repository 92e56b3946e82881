// `npm run build`: compiles src/ and simulators/ to dist/ (one .js per .ts,
// same layout, ES modules for Node 20), with esbuild, the compiler tsx runs
// the sources through; no bundling, no type check (`npm run typecheck` does
// that). `taogate` runs the build when it is fresh (./build-stamp.mjs) and
// the sources through tsx otherwise: same code, but the build starts without
// a loader thread and without reading source maps, and holds ~30 MB less.
//
//   node src/cli/build.mjs [--quiet]
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, PACKAGE_ROOT as root, sourceFiles, sourceFingerprint, STAMP_FILE } from './build-stamp.mjs';
import { compileSources, ESBUILD_VERSION } from './compile.mjs';

const final = join(root, BUILD_DIR);
// Built beside dist/ and swapped in at the end: a process running from dist/ meanwhile (a gateway
// that imports a module late) never finds it half-written, and a failed build leaves the old one.
const out = join(root, `.${BUILD_DIR}-new-${process.pid}`);
const started = performance.now();
const files = sourceFiles(root);
const fingerprint = sourceFingerprint(root, files);

rmSync(out, { recursive: true, force: true });
process.once('exit', () => rmSync(out, { recursive: true, force: true })); // a failed build leaves nothing behind
await compileSources(root, files, out);

// The stamp last: a build cut short has none and is never run.
writeFileSync(join(out, STAMP_FILE), `${JSON.stringify({ fingerprint, files: files.length, builtAt: new Date().toISOString(), esbuild: ESBUILD_VERSION }, null, 2)}\n`);
const old = join(root, `.${BUILD_DIR}-old-${process.pid}`);
if (existsSync(final)) renameSync(final, old);
renameSync(out, final);
rmSync(old, { recursive: true, force: true });
if (!process.argv.includes('--quiet')) console.log(`taogate build: ${files.length} files -> ${BUILD_DIR}/ in ${Math.round(performance.now() - started)} ms`);
