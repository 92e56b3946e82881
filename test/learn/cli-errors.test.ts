/**
 * Bad input through the real CLI: a truncated capture, a capture with no
 * Modbus traffic, a file that is no capture, through learn and replay. One clear line
 * on stderr naming the file, exit 1. Run side by side: each is
 * a separate process.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

/** The CLI loads everything at start; on a loaded machine that alone can take tens of seconds. */
const SLOW = { timeoutMs: 120_000 };

const FIX = (f: string) => new URL(`./fixtures/${f}`, import.meta.url).pathname;

describe('taogate learn / replay: bad input', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'taogate-learn-cli-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('when the capture is truncated, not a capture, or holds no Modbus, it says which and where, exit 1, and writes nothing', async () => {
    const truncated = join(dir, 'cut.pcap');
    writeFileSync(truncated, readFileSync(FIX('tcpdump-sim.pcap')).subarray(0, 3000));
    const notCapture = join(dir, 'notes.txt');
    writeFileSync(notCapture, 'PLC notes, not a capture\n');
    const out = join(dir, 'never.yaml');
    const [cut, text, http] = await Promise.all([
      runCli(['learn', '--pcap', truncated, '--out', out], SLOW),
      runCli(['learn', '--pcap', notCapture, '--out', out], SLOW),
      runCli(['replay', '--pcap', FIX('not-modbus.pcap'), '--profile', 'profiles/demo-cell.yaml'], SLOW),
    ]);
    expect([cut.code, cut.stderr]).to.deep.equal([1, `taogate: ${truncated}: truncated capture: packet 33 at byte 2941 needs 83 bytes, 43 left\n`]);
    expect([text.code, text.stderr]).to.deep.equal([1, `taogate: ${notCapture}: not a pcap or pcapng capture (starts with 0x504c4320)\n`]);
    expect(http.code).to.equal(1);
    expect(http.stderr).to.match(/^taogate: no Modbus TCP traffic in .*not-modbus\.pcap: 5 packets, 1 TCP connections, none carried Modbus TCP requests\n$/);
    expect(() => readFileSync(out)).to.throw(/ENOENT/);
  });
});
