/**
 * Learn mode end to end, with the real CLI: real tcpdump captures of the
 * bundled Modbus simulator written by modbus-serial clients from 127.0.0.1
 * and 127.0.0.2 -> `taogate learn` -> `taogate profile check` -> `taogate
 * replay` (all pass, exit 0; out-of-limit traffic refused, exit 1) -> the
 * candidate enforced by a real gateway -> `taogate learn --ledger` from the
 * gateway's refusals -> `taogate profile diff`.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startModbusSim, type ModbusSim } from '../../simulators/modbus/index.js';
import { checkProfileFile } from '../../src/policy/index.js';
import { runCli } from '../helpers/cli.js';

/** The CLI loads everything at start; on a loaded machine that alone can take tens of seconds. */
const SLOW = { timeoutMs: 120_000 };
import { startCell, type Cell } from '../helpers/cell.js';
import { closeClient, modbusClient } from '../simulators/modbus-helpers.js';
import { captureTraffic } from './helpers/capture.js';
import { f32Words, NORMAL, runOutOfLimits, runScript } from './helpers/traffic.js';

describe('learn, replay and enforce: real captures of the simulator', function () {
  this.timeout(180_000);
  let dir: string;
  let sim: ModbusSim;
  let normal: string;
  let bad: string;
  let candidate: string;
  let skipped: string | undefined;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'taogate-learn-e2e-'));
    sim = await startModbusSim({ host: '127.0.0.1', port: 0 });
    normal = join(dir, 'normal.pcap');
    bad = join(dir, 'bad.pcap');
    candidate = join(dir, 'candidate.yaml');
    const first = await captureTraffic(normal, sim.port, () => runScript(sim.port, NORMAL));
    if ('skip' in first) {
      skipped = first.skip;
      console.log(`      skipped: ${skipped}`);
      return this.skip();
    }
    const second = await captureTraffic(bad, sim.port, () => runOutOfLimits(sim.port));
    if ('skip' in second) return this.skip();
  });

  after(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('when it learns from the capture, the candidate passes profile check unchanged and marks every learned number', async () => {
    const report = join(dir, 'report.md');
    const r = await runCli(['learn', '--pcap', normal, '--device', `skid=127.0.0.1:${sim.port}`, '--out', candidate, '--report', report, '--json'], SLOW);
    expect(r.code, r.stderr).to.equal(0);
    const summary = JSON.parse(r.stdout) as { tags: { written: number; readOnly: number }; actors: { id: string; source: string; writes: number }[]; devices: { id: string; unit: number }[] };
    expect(summary.devices).to.deep.equal([{ id: 'skid', host: '127.0.0.1', port: sim.port, unit: 1, plcUnit: 1 }]);
    expect(summary.tags.written).to.equal(3); // hr100 float32, hr110 uint16, coil 0
    expect(summary.actors.map((a) => [a.id, a.source, a.writes])).to.deep.equal([
      ['src_127_0_0_1', '127.0.0.1', NORMAL.hmiFlow.length + NORMAL.hmiPressure.length + 2],
      ['src_127_0_0_2', '127.0.0.2', NORMAL.optimizerFlow.length],
    ]);
    const yaml = readFileSync(candidate, 'utf8');
    expect(yaml).to.match(/skid\.hr100:\n(.*\n)*? {4}type: float32\n/);
    expect(yaml).to.match(/word_order: ABCD/);
    expect(yaml).to.match(/min: 27 # learned: lowest of 8 writes 30, 10 % margin; first 20\d\d-/);
    expect(yaml).to.match(/max: 59 # learned: highest of 8 writes 55\.5, 10 % margin; first 20\d\d-.*, last 20\d\d-/);
    expect(yaml).to.match(/max_step: 23 # learned: largest of \d+ steps 20\.5, \+ 10 %; first /);
    expect(yaml).to.match(/unlisted_writes: deny/);
    expect(yaml).to.match(/skid\.ir0:\n(.*\n)*? {4}type: float32\n/); // only read: read-only, no write_roles
    expect(yaml).to.match(/# write_roles|proposal: the placeholder role/);
    expect(readFileSync(report, 'utf8')).to.match(/widened by 10 % of the observed range/);

    const check = await runCli(['profile', 'check', candidate], SLOW);
    expect(check.code, check.stderr).to.equal(0);
  });

  it('when the same capture is replayed against the candidate, every write passes (exit 0)', async () => {
    const r = await runCli(['replay', '--pcap', normal, '--profile', candidate, '--json'], SLOW);
    expect(r.code, r.stderr).to.equal(0);
    const result = JSON.parse(r.stdout) as { counts: { total: number; pass: number; refused: number }; tags: { tag: string; aboveLowest?: number; belowHighest?: number }[] };
    expect(result.counts).to.include({ total: 13, pass: 13, refused: 0 });
    const flow = result.tags.find((t) => t.tag === 'skid.hr100')!;
    expect(flow.aboveLowest).to.equal(3); // 30 - 27
    expect(flow.belowHighest).to.equal(3.5); // 59 - 55.5
  });

  it('when a capture with out-of-limit writes, a stranger and an unknown register is replayed, they are refused by code (exit 1)', async () => {
    const r = await runCli(['replay', '--pcap', bad, '--profile', candidate], SLOW);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.match(/writes 4: pass 1, refused 3/);
    expect(r.stdout).to.match(/out_of_range\s+1/);
    expect(r.stdout).to.match(/unknown_actor\s+1/);
    expect(r.stdout).to.match(/unknown_tag\s+1/);
    expect(r.stdout).to.match(/skid\.hr100 = 500 is above max 59/);
  });

  describe('enforced by a real gateway', () => {
    let cell: Cell;
    before(async function () {
      if (skipped) return this.skip();
      cell = await startCell({ modbus: true, profilePath: candidate });
    });
    after(async () => cell?.close());

    it('when the candidate is enforced, a learned write passes, others are refused and the PLC keeps its value; learn --ledger proposes what would allow them', async () => {
      const write = async (from: string, address: number, words: number[]) => {
        const c = await modbusClient(cell.modbusPort, 1, from);
        try {
          await c.writeRegisters(address, words);
          return 'ok';
        } catch (err) {
          return `refused: ${(err as Error).message}`;
        } finally {
          await closeClient(c);
        }
      };
      expect(await write('127.0.0.2', 100, f32Words(44))).to.equal('ok');
      expect(cell.plc!.readFloat32(100)).to.equal(44);
      expect(await write('127.0.0.1', 100, f32Words(200))).to.match(/^refused/);
      expect(await write('127.0.0.3', 100, f32Words(45))).to.match(/^refused/);
      expect(await write('127.0.0.1', 120, [7])).to.match(/^refused/);
      expect(cell.plc!.readFloat32(100)).to.equal(44);
      expect(cell.plc!.holding(120, 1)).to.deep.equal([0]);

      const ledger = join(cell.dir, 'gateway');
      await cell.gateway.close(); // the ledger is LevelDB: one opener at a time
      const proposed = join(dir, 'proposed.yaml');
      const r = await runCli(['learn', '--ledger', ledger, '--profile', candidate, '--out', proposed, '--json'], SLOW);
      expect(r.code, r.stderr).to.equal(0);
      const learning = JSON.parse(r.stdout) as { denied: number; proposals: { kind: string; tag?: string; to?: number; actor?: string; address?: number }[] };
      expect(learning.denied).to.equal(3);
      const kinds = learning.proposals.map((p) => `${p.kind} ${p.tag ?? p.actor ?? p.address}`).sort();
      expect(kinds, r.stdout).to.deep.equal(['add_actor src_127_0_0_3', 'add_tag 120', 'widen_max skid.hr100']);
      expect(learning.proposals.find((p) => p.kind === 'widen_max')!.to).to.equal(200);

      expect(checkProfileFile(proposed).errors).to.deep.equal([]); // what `profile check` runs
      const diff = await runCli(['profile', 'diff', candidate, proposed], SLOW);
      expect(diff.code, diff.stderr).to.equal(0);
      expect(diff.stdout).to.match(/\+ tag skid\.hr100: max 59 -> 200 \(widened\)/);
      expect(diff.stdout).to.match(/\+ actor src_127_0_0_3: added/);
      expect(diff.stdout).to.match(/\+ tag skid\.hr120: added \(uint16, writable by src_127_0_0_1/);
    });
  });
});
