// Compiles the sources (every .ts under src/ and simulators/: ./build-stamp.mjs
// sourceFiles) into a folder, one .js per .ts, the same layout, ES modules for
// Node 20, with esbuild; no bundling, no type check, no source maps. Used by
// the build (./build.mjs, into dist/) and by IQ-01 (src/validate/build-check.ts),
// which compiles again into a temporary folder and compares the result with
// dist/ file by file: esbuild's output is a function of its version, the
// options below and the sources.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, version } from 'esbuild';

export const ESBUILD_VERSION = version;

/** Compiles `files` (package-relative .ts paths under `root`) into `out`. */
export async function compileSources(root, files, out) {
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
  writeFileSync(join(out, 'src/ledger/verify-worker.mjs'), "// Written by src/cli/compile.mjs: the compiled verify worker's entry.\nawait import('./verify-worker.js');\n");
}
