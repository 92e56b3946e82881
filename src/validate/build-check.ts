/**
 * IQ-01's look at the code that actually runs. `taogate` runs the compiled
 * build (dist/) while its stamp matches the sources (src/cli/build-stamp.mjs),
 * so checking the sources alone would leave dist/ unverified: a changed
 * dist/*.js would run while every source still matched its manifest. Here
 * the sources are compiled again into a temporary folder, with the same
 * compiler and options (src/cli/compile.mjs), and every file of dist/ is
 * compared with that rebuild by SHA-256; none may differ, be missing or be
 * added. A missing or stale build is not run (the sources are, through tsx),
 * and is reported as such.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageFile } from '../package-root.js';
import { sha256File } from './manifest.js';

// Plain JavaScript modules that stay in src/cli/ (the build does not copy them into dist/):
// loaded from the package, whichever form this module runs in.
type Stamp = typeof import('../cli/build-stamp.mjs');
type Compile = typeof import('../cli/compile.mjs');
const load = <T>(path: string) => import(pathToFileURL(packageFile(path)).href) as Promise<T>;

export interface BuildCheck {
  /** What `taogate` runs in this installation. */
  readonly runs: 'build' | 'sources';
  readonly ok: boolean;
  /** One sentence for the report. */
  readonly summary: string;
  readonly checked: number;
  readonly changed: readonly string[];
  readonly missing: readonly string[];
  readonly extra: readonly string[];
}

const none = { checked: 0, changed: [], missing: [], extra: [] } as const;

/** SHA-256 of every file under `dir`, by path relative to it with forward slashes; `skip` names files left out. */
function hashTree(dir: string, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const rel = relative(dir, path).split(sep).join('/');
    if (!skip.includes(rel)) out[rel] = sha256File(path);
  }
  return out;
}

export async function checkBuild(root: string): Promise<BuildCheck> {
  const { BUILD_DIR, buildIsFresh, readStamp, sourceFiles, STAMP_FILE } = await load<Stamp>('src/cli/build-stamp.mjs');
  const { compileSources, ESBUILD_VERSION } = await load<Compile>('src/cli/compile.mjs');
  const dist = join(root, BUILD_DIR);
  const stamp = readStamp(root);
  if (!existsSync(dist) || !stamp) return { runs: 'sources', ok: true, summary: `no compiled build (${BUILD_DIR}/ has no stamp): taogate runs the sources through tsx`, ...none };
  if (!buildIsFresh(root)) return { runs: 'sources', ok: true, summary: `${BUILD_DIR}/ is stale (its stamp does not match the sources) and is not run: taogate runs the sources through tsx`, ...none };
  if (stamp.esbuild !== undefined && stamp.esbuild !== ESBUILD_VERSION) {
    return { runs: 'build', ok: false, summary: `${BUILD_DIR}/ runs but was compiled with esbuild ${stamp.esbuild} and esbuild ${ESBUILD_VERSION} is installed: it cannot be reproduced to compare (run npm run build)`, ...none };
  }
  const tmp = mkdtempSync(join(tmpdir(), 'taogate-iq-build-'));
  try {
    await compileSources(root, sourceFiles(root), tmp);
    const want = hashTree(tmp);
    const have = hashTree(dist, [STAMP_FILE]);
    const changed = Object.keys(want).filter((f) => have[f] !== undefined && have[f] !== want[f]);
    const missing = Object.keys(want).filter((f) => have[f] === undefined);
    const extra = Object.keys(have).filter((f) => want[f] === undefined);
    const ok = changed.length + missing.length + extra.length === 0;
    return {
      runs: 'build',
      ok,
      summary: `taogate runs the compiled build (${BUILD_DIR}/, stamp fresh); compiled the sources again with esbuild ${ESBUILD_VERSION} and compared ${Object.keys(want).length} files by SHA-256`,
      checked: Object.keys(want).length,
      changed,
      missing,
      extra,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
