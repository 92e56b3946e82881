#!/usr/bin/env node
// The `taogate` command. Runs the compiled build (dist/, `npm run build`)
// when it is the build of the sources as they are (./build-stamp.mjs), and
// otherwise the TypeScript sources through tsx's loader, so a checkout runs
// without a build step; see docs/operations.md ("How the code runs").
// TAOGATE_FROM_SOURCE=1 always runs the sources.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILD_DIR, PACKAGE_ROOT, runsBuild } from './build-stamp.mjs';

if (runsBuild(PACKAGE_ROOT)) {
  await import(pathToFileURL(join(PACKAGE_ROOT, BUILD_DIR, 'src/cli/main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  // tsx turns source maps on; Node then reads the .map file of every dependency it loads
  // (node-opcua ships hundreds): ~0.4 s of start-up and ~10 MB. Stack traces name the
  // compiled lines instead. TAOGATE_SOURCE_MAPS=1 keeps them on for debugging.
  if (process.env.TAOGATE_SOURCE_MAPS !== '1') process.setSourceMapsEnabled(false);
  await import('./main.ts');
}
