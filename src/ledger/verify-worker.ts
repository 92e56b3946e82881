/**
 * A verify worker (worker_threads): checks the chunks the pool sends and
 * answers each with its ChunkResult. Started through verify-worker.mjs,
 * which gives this thread the TypeScript loader.
 */
import { parentPort } from 'node:worker_threads';
import { checkChunk } from './verify-chunk.js';
import type { WorkerReply, WorkerRequest } from './verify-pool.js';

const port = parentPort;
if (!port) throw new Error('verify-worker.ts runs as a worker thread (see verify-pool.ts)');
port.on('message', ({ id, job }: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id, result: checkChunk(job) };
  } catch (err) {
    reply = { id, error: (err as Error)?.stack ?? String(err) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
