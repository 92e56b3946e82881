/** The logging hook of the MQTT layer: plug pino (or nothing) in from outside. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, obj?: Record<string, unknown>) => void;

export const noLog: LogFn = () => {};
