/**
 * Where the simulator keeps its certificates: never in the repo.
 *
 * node-opcua creates the server certificate (~1 s the first time) and, unless
 * given its own user certificate manager, a "UserPKI" folder under
 * $HOME/.config. Both managers get folders under one PKI dir. The default
 * dir is one temp folder per process, reused by every simulator in that
 * process and removed when the process exits.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let processPkiDir: string | undefined;

export function defaultPkiDir(): string {
  if (processPkiDir === undefined) {
    const dir = join(tmpdir(), `taogate-opcua-sim-pki-${process.pid}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    processPkiDir = dir;
  }
  return processPkiDir;
}

const locks = new Map<string, Promise<unknown>>();

/**
 * Runs `task` after every earlier task on the same PKI dir has settled, so two
 * simulators started at once in one process do not both create the key.
 */
export function withPkiLock<T>(dir: string, task: () => Promise<T>): Promise<T> {
  const previous = locks.get(dir) ?? Promise.resolve();
  const next = previous.then(task, task);
  const tail = next.catch(() => undefined);
  locks.set(dir, tail);
  void tail.then(() => {
    if (locks.get(dir) === tail) locks.delete(dir);
  });
  return next;
}
