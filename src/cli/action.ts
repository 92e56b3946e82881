import { InvalidArgumentError } from 'commander';

/** Wraps a command action: CliError -> one stderr line + its exit code; anything else -> exit 1. */
import { isRefusalCode } from '../refusal/codes.js';
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

/**
 * A refused answer from governance or the gateway: `{"code","reason"}` on
 * stdout (an unknown code becomes `malformed`), one line on stderr, exit 2.
 */
export function printRefusal(answer: { code?: unknown; reason?: unknown }, label: 'denied' | 'refused'): number {
  const code = isRefusalCode(answer.code) ? answer.code : 'malformed';
  output(true, { code, reason: answer.reason ?? '' }, '');
  process.stderr.write(`${label}: ${code}: ${String(answer.reason ?? '')}\n`);
  return EXIT.refused;
}

/** Option parser for a repeatable option: every value, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
