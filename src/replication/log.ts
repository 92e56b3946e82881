/** The subset of pino the replication and historian code logs through (pino satisfies it). */
export interface ReplLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export const quietLog: ReplLogger = { info() {}, warn() {}, error() {}, debug() {} };
