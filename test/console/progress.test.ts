/**
 * Issue 7, progress for long work: `taogate ledger verify` on 200,000
 * receipts draws a bar with rate and ETA (total from the ledger's stored
 * head) when run on a terminal, and prints only the result when piped. The
 * terminal is a real pseudo-TTY from util-linux `script`. The ledger is the
 * benchmarks' cached fixture (built once under the OS temp dir, ~25 s).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { keyIdOf } from '../../src/crypto/ed25519.js';
import { TrustStore } from '../../src/tao/truststore.js';
import { cachedLedger, GATEWAY_ID, gatewaySigner } from '../bench/ledger-fixture.js';
import { CLI, runProcess, type CliResult } from '../helpers/cli.js';

const RECEIPTS = 200_000;

type Run = CliResult;

function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<Run> {
  return runProcess(cmd, args, { timeoutMs, env: { TERM: 'xterm' } });
}

/** Runs a shell command line on a pseudo-terminal: everything it writes to the terminal comes back on stdout. */
function onTerminal(commandLine: string, timeoutMs: number): Promise<Run> {
  return run('script', ['-qec', commandLine, '/dev/null'], timeoutMs);
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('progress of long work (ledger verify)', function () {
  this.timeout(300_000);
  let big: string;
  let bigCopy: string;
  let small: string;
  let smallCopy: string;
  let keys: string;
  let trust: string;

  before(async function () {
    if (spawnSync('script', ['--version']).error) {
      if (process.env.CI) throw new Error('util-linux `script` is missing');
      this.skip();
    }
    big = (await cachedLedger(RECEIPTS, (m) => console.log(m))).dir;
    small = (await cachedLedger(2_000, () => {})).dir;
    keys = mkdtempSync(join(tmpdir(), 'taogate-progress-'));
    // LevelDB locks a dir while it is open: the runs that go side by side each get their own copy
    bigCopy = join(keys, 'big');
    smallCopy = join(keys, 'small');
    cpSync(big, bigCopy, { recursive: true });
    cpSync(small, smallCopy, { recursive: true });
    trust = join(keys, 'trust.json');
    const store = TrustStore.fromJson({ version: 1, keys: [] }, trust);
    store.add({ kid: keyIdOf(gatewaySigner.publicKey), name: GATEWAY_ID, role: 'gateway', publicKey: gatewaySigner.publicKey, notBefore: 0, notAfter: Math.floor(Date.now() / 1000) + 86_400 });
    store.save(trust);
  });
  after(() => {
    if (keys) rmSync(keys, { recursive: true, force: true });
  });

  const verifyLine = (dir: string, extra = '') => `${quote(process.execPath)} ${quote(CLI)} ledger verify --data ${quote(dir)} --trust ${quote(trust)}${extra}`;

  it('when 200,000 receipts are verified on a terminal it draws a bar with rate and ETA; piped, it prints only the result', async () => {
    // both at once: two cores, and each takes ~30 s
    const [tty, piped] = await Promise.all([
      onTerminal(verifyLine(big), 240_000),
      run(process.execPath, [CLI, 'ledger', 'verify', '--data', bigCopy, '--trust', trust], 240_000),
    ]);

    expect(piped.code, piped.stderr).to.equal(0);
    expect(piped.stdout).to.match(/^ok: 200000 receipts, head [0-9a-f]{64}\n$/);
    expect(piped.stderr).to.equal('');

    expect(tty.code, tty.stdout.slice(-500)).to.equal(0);
    const frames = tty.stdout.split('\r').filter((f) => f.startsWith('verify ['));
    expect(frames.length, 'progress frames').to.be.greaterThan(5);
    for (const f of frames) expect(f).to.match(/^verify \[[#-]{30}\] \d+\/200000 \d+\/s ETA (\d+s|\d+m\d\ds|\d+h\d\dm)\x1b\[K$/);
    const counts = frames.map((f) => Number(/\] (\d+)\//.exec(f)![1]));
    expect(counts).to.deep.equal([...counts].sort((a, b) => a - b));
    expect(frames.some((f) => /ETA ([1-9]\d*s|\d+m)/.test(f)), 'an ETA above zero while working').to.equal(true);
    // the bar is cleared and the result is the last line
    expect(tty.stdout.replace(/\r\n/g, '\n')).to.match(/\r\x1b\[Kok: 200000 receipts, head [0-9a-f]{64}\n$/);
  });

  it('when stdout is piped or --json is asked for, even on a terminal, only the result is printed', async () => {
    const [piped, json] = await Promise.all([onTerminal(`${verifyLine(small)} | cat`, 60_000), onTerminal(verifyLine(smallCopy, ' --json'), 60_000)]);
    expect(piped.code).to.equal(0);
    expect(piped.stdout.replace(/\r\n/g, '\n')).to.match(/^ok: 2000 receipts, head [0-9a-f]{64}\n$/);
    expect(json.code).to.equal(0);
    const report = JSON.parse(json.stdout.trim()) as { ok: boolean; count: number };
    expect(report).to.include({ ok: true, count: 2000 });
  });
});
