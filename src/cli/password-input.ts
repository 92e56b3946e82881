/**
 * Reads a password from stdin: on a terminal with a prompt on stderr and no
 * echo (raw mode, Enter ends it, Ctrl-C aborts); from a pipe or file, its
 * first line. Never printed, never logged.
 */
import { CliError } from './exit.js';

export async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  const password = stdin.isTTY ? await fromTerminal(prompt) : firstLine(await readAll());
  if (password === '') throw new CliError('empty password on stdin');
  return password;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? '';
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function fromTerminal(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('aborted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
