// Is the compiled build (dist/) the build of the sources as they are now?
// Plain JavaScript: the `taogate` entry (./taogate.mjs) asks before it loads
// any TypeScript, and the build (./build.mjs) writes the stamp it compares.
//
// The fingerprint covers every .ts file under src/ and simulators/ (path,
// size, modification time): editing, adding, removing or checking out a
// source file makes the build stale, and `taogate` then runs the sources
// through tsx as it would without a build. About 10 ms for ~370 files.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_DIRS = ['src', 'simulators'];
export const BUILD_DIR = 'dist';
export const STAMP_FILE = 'build.json';
/** The package root: this file is src/cli/build-stamp.mjs (src/package-root.ts says the same for the TypeScript). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The .ts files the build compiles, package-relative with forward slashes, sorted. */
export function sourceFiles(root) {
  const out = [];
  for (const d of CODE_DIRS) {
    for (const f of readdirSync(join(root, d), { recursive: true })) {
      const p = String(f).split('\\').join('/');
      if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(`${d}/${p}`);
    }
  }
  return out.sort();
}

/** A digest over (path, size, mtime) of every source file (`files`: sourceFiles(root), when the caller has it). */
export function sourceFingerprint(root, files = sourceFiles(root)) {
  const h = createHash('sha256');
  for (const f of files) {
    const s = statSync(join(root, f));
    h.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return h.digest('hex');
}

/** The build's stamp, or undefined when there is no readable one. */
export function readStamp(root) {
  try {
    const s = JSON.parse(readFileSync(join(root, BUILD_DIR, STAMP_FILE), 'utf8'));
    return typeof s?.fingerprint === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

/** True when dist/ holds the build of the sources as they are now. Never throws. */
export function buildIsFresh(root) {
  try {
    const stamp = readStamp(root);
    return stamp !== undefined && stamp.fingerprint === sourceFingerprint(root);
  } catch {
    return false;
  }
}

/**
 * Does `taogate` run the build, for a process with environment `env`? The
 * build when it is fresh, unless TAOGATE_FROM_SOURCE=1 asks for the sources.
 * ./taogate.mjs decides with it; the deployed bench asks it for the parts it
 * spawns.
 */
export function runsBuild(root, env = process.env) {
  return env.TAOGATE_FROM_SOURCE !== '1' && buildIsFresh(root);
}
