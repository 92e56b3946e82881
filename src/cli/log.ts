/**
 * pino logger for every long-running command: JSON lines on stderr (stdout is
 * reserved for results and the demo's READY line), pretty output when stderr
 * is a TTY (buffered, written at least every 200 ms). `--log-level` sets the level (default info; TAOGATE_LOG_LEVEL too).
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** Longest a log line waits in the buffer. */
const FLUSH_MS = 200;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(opts: { level?: string; name?: string; pretty?: boolean } = {}): Logger {
  const level = opts.level ?? process.env.TAOGATE_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`--log-level: unknown level '${level}' (one of ${LOG_LEVELS.join(', ')})`);
  const usePretty = opts.pretty ?? (process.stderr.isTTY === true && process.env.CI !== 'true');
  if (usePretty) return pino({ level, base: opts.name ? { name: opts.name } : undefined }, pretty({ destination: 2, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
  // Lines are buffered up to 4 KiB and written at least every FLUSH_MS (one write per
  // burst instead of one per line on the write path); pino writes what is left at exit.
  const stream = pino.destination({ fd: 2, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      stream.flush();
    } catch {
      // destroyed at exit: nothing left to write
    }
  }, FLUSH_MS).unref();
  return pino({ level, base: opts.name ? { name: opts.name } : undefined }, stream);
}
