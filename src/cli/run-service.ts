/** Runs a long-lived service until SIGINT/SIGTERM, then closes it and exits 0. */
import { EXIT } from './exit.js';
import type { Logger } from './log.js';

export async function untilSignal(log: Logger, close: () => Promise<void>): Promise<number> {
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info({ signal }, 'shutting down');
  const killer = setTimeout(() => {
    process.stderr.write('taogate: shutdown took longer than 10 s, exiting\n');
    process.exit(EXIT.failed);
  }, 10_000);
  killer.unref();
  await close();
  log.flush();
  return EXIT.ok;
}
