#!/usr/bin/env node
// The `taogate` command. Runs the TypeScript sources through tsx's loader so
// there is no separate build step; see docs/operations.md.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
