/**
 * Reload the trust store without a restart: on SIGHUP, and when the file
 * changes (polled every 2 s). The new file must load completely (every entry
 * valid); otherwise the running process keeps the keys it has and logs why.
 * The store is replaced in place, so the gate, governance and the upstream
 * see the new keys (a rotation, a revocation, a new hardware key) at once.
 */
import { unwatchFile, watchFile } from 'node:fs';
import { TrustStore } from '../tao/truststore.js';

export interface TrustReloadLog {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface TrustReloader {
  /** Reload now; true when the new file was taken. */
  reload(why: string): boolean;
  stop(): void;
}

export function watchTrustStore(file: string, trust: TrustStore, log: TrustReloadLog, opts: { pollMs?: number } = {}): TrustReloader {
  const reload = (why: string): boolean => {
    try {
      const next = TrustStore.load(file);
      trust.replaceWith(next);
      log.info({ file, why, keys: next.keys().length }, 'trust store reloaded');
      return true;
    } catch (err) {
      log.error({ file, why, err: (err as Error).message }, 'trust store NOT reloaded: keeping the keys in use');
      return false;
    }
  };
  const onHup = () => void reload('SIGHUP');
  process.on('SIGHUP', onHup);
  const onChange = (cur: { mtimeMs: number }, prev: { mtimeMs: number }) => {
    if (cur.mtimeMs !== prev.mtimeMs && cur.mtimeMs !== 0) reload('file changed');
  };
  watchFile(file, { interval: opts.pollMs ?? 2000, persistent: false }, onChange);
  return {
    reload,
    stop: () => {
      process.off('SIGHUP', onHup);
      unwatchFile(file, onChange);
    },
  };
}
