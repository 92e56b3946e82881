/**
 * Where the package's files are, whichever way the code runs: from the
 * TypeScript sources (src/x.ts through tsx) or from the compiled build
 * (dist/src/x.js, `npm run build`). Files that are not code (profiles, the
 * console's browser assets, the profile schema) stay in the package and are
 * found from here, never relative to a module's own location.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when this process runs the compiled build (dist/src/*.js), not the sources (src/*.ts). */
export const RUNS_BUILD = import.meta.url.endsWith('.js');

/** src/ of the sources, or dist/src/ of the build. */
const CODE_DIR = dirname(fileURLToPath(import.meta.url));

/** The package root (where package.json is), with a trailing separator. */
export const PACKAGE_ROOT = join(RUNS_BUILD ? dirname(dirname(CODE_DIR)) : dirname(CODE_DIR), '/');

/** A file of the package, by its path from the root ('profiles/demo-cell.yaml'). */
export function packageFile(path: string): string {
  return join(PACKAGE_ROOT, path);
}
