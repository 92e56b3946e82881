import { InvalidArgumentError } from 'commander';

/** Wraps a command action: CliError -> one stderr line + its exit code; anything else -> exit 1. */
import { CliError, EXIT } from './exit.js';

export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (err) {
      if (err instanceof CliError) {
        process.stderr.write(`taogate: ${err.message}\n`);
        process.exitCode = err.exitCode;
      } else {
        process.stderr.write(`taogate: ${(err as Error).message ?? String(err)}\n`);
        process.exitCode = EXIT.failed;
      }
    }
  };
}

/** Prints a result: JSON on stdout with --json, else the human text. */
export function output(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : human.endsWith('\n') ? human : `${human}\n`);
}

export function parseIntOption(): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`expected a non-negative integer, got '${v}'`);
    return Number(v);
  };
}
