/** Runs a long-lived service until SIGINT/SIGTERM, then closes it and exits 0. */
import { EXIT } from './exit.js';
import type { Logger } from './log.js';

/**
 * Installs SIGINT/SIGTERM handlers at once (before a service prints READY:
 * with no handler installed the kernel's default action kills the process
 * instantly) and returns a promise of the first signal. After the first
 * signal a 10 s watchdog bounds the shutdown; a second signal exits 1 at once.
 */
export function signalPromise(log: Logger): Promise<string> {
  return new Promise<string>((resolve) => {
    let seen = false;
    const on = (sig: string) => {
      if (seen) {
        process.stderr.write(`taogate: second ${sig} during shutdown, exiting now\n`);
        process.exit(EXIT.failed);
      }
      seen = true;
      log.info({ signal: sig }, 'shutting down');
      const killer = setTimeout(() => {
        process.stderr.write('taogate: shutdown took longer than 10 s, exiting\n');
        process.exit(EXIT.failed);
      }, 10_000);
      killer.unref();
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Waits for the signal promise made by signalPromise(), then closes the service. */
export async function untilSignal(log: Logger, signal: Promise<string>, close: () => Promise<void>): Promise<number> {
  await signal;
  await close();
  log.flush();
  return EXIT.ok;
}
