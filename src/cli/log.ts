/**
 * pino logger for every long-running command: JSON lines on stderr (stdout is
 * reserved for results and the demo's READY line), pretty output when stderr
 * is a TTY. `--log-level` sets the level (default info; TAOGATE_LOG_LEVEL too).
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(opts: { level?: string; name?: string; pretty?: boolean } = {}): Logger {
  const level = opts.level ?? process.env.TAOGATE_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`--log-level: unknown level '${level}' (one of ${LOG_LEVELS.join(', ')})`);
  const usePretty = opts.pretty ?? (process.stderr.isTTY === true && process.env.CI !== 'true');
  const stream = usePretty ? pretty({ destination: 2, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }) : pino.destination({ fd: 2, sync: false });
  return pino({ level, base: opts.name ? { name: opts.name } : undefined }, stream);
}
