// Entry point of a verify worker thread. Workers do not inherit a loader
// registered with tsx's API (the `taogate` command does that), so this
// registers tsx in the worker, then loads the TypeScript worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./verify-worker.ts');
