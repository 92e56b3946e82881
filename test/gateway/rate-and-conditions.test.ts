/**
 * Issue 11, defects 10 and 11.
 * - Minimum intervals: two staged TAOs for one rate-limited tag used at the
 *   same moment cannot both pass (the check-and-set is atomic), and the last
 *   authorized time survives a gateway restart (recovered from the ledger).
 * - Conditional TAOs (scope.expect): a pre-issued TAO that names the value it
 *   replaces is used while the PLC holds that value, and stays staged (not
 *   consumed) while it does not.
 */
import { expect } from 'chai';
import type { Profile, TagPolicy } from '../../src/policy/types.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { present, requestTao } from '../helpers/requests.js';
import { closeClient, f32, modbusClient } from '../simulators/modbus-helpers.js';

const INTERVAL_MS = 120_000;

function withInterval(p: Profile): Profile {
  const tags = new Map<string, TagPolicy>([...p.tags].map(([k, t]) => [k, k === 'skid.flow_sp' ? { ...t, minIntervalMs: INTERVAL_MS } : t]));
  return { ...p, tags };
}

/** A pre-issued TAO for optimizer-1, staged at the gateway. */
async function stage(cell: Cell, value: string, opts: { expect?: string } = {}): Promise<void> {
  const answer = await requestTao(cell, 'optimizer-1', 'skid.flow_sp', value, opts);
  expect(answer.decision, JSON.stringify(answer)).to.equal('issue');
  const staged = await present(cell, answer.tao);
  expect(staged.ok, JSON.stringify(staged)).to.equal(true);
}

async function write(cell: Cell, value: number): Promise<string> {
  const c = await modbusClient(cell.modbusPort, 1, '127.0.0.2');
  c.setTimeout(10_000);
  try {
    await c.writeRegisters(100, f32(value));
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  } finally {
    await closeClient(c);
  }
}

describe('rate limits at the gate: atomic and kept across restarts', function () {
  this.timeout(90_000);
  let cell: Cell;
  before(async () => {
    cell = await startCell({ modbus: true, editProfile: withInterval });
  });
  after(() => cell?.close());

  it('when two staged TAOs for a rate-limited tag are used at the same moment, exactly one write reaches the PLC', async () => {
    const start = cell.plc!.readFloat32(100);
    await stage(cell, String(start + 1));
    // Governance keeps its own interval in memory: a restart forgets it, so it issues a second TAO.
    await cell.stopGovernance();
    await cell.startGovernance();
    await stage(cell, String(start + 2));
    expect(cell.gateway.gate.staged.size).to.equal(2);

    const results = await Promise.all([write(cell, start + 1), write(cell, start + 2)]);
    expect(results.filter((r) => r === 'ok'), results.join(' | ')).to.have.length(1);
    const landed = cell.plc!.readFloat32(100);
    expect([start + 1, start + 2]).to.include(landed);
    const denied: string[] = [];
    for await (const r of cell.gateway.ledger.iterate()) if (r.kind === 'denied') denied.push(String((r.body as Record<string, unknown>).code));
    expect(denied).to.include('rate_limited');
  });

  it('when the gateway restarts inside the interval, the next write is still refused rate_limited and the PLC keeps its value', async () => {
    const held = cell.plc!.readFloat32(100);
    await cell.restartGateway();
    await cell.stopGovernance();
    await cell.startGovernance();
    // Whatever TAO remains staged from before (the refused one) cannot help: the interval is recovered.
    const result = await write(cell, held + 1);
    expect(result).to.not.equal('ok');
    expect(cell.plc!.readFloat32(100)).to.equal(held);
    const last: Record<string, unknown>[] = [];
    for await (const r of cell.gateway.ledger.iterate({ from: Math.max(0, cell.gateway.ledger.head.seq - 5) })) if (r.kind === 'denied') last.push(r.body as Record<string, unknown>);
    expect(last.at(-1)?.code).to.equal('rate_limited');
  });
});

describe('conditional TAOs (scope.expect)', function () {
  this.timeout(90_000);
  let cell: Cell;
  before(async () => {
    cell = await startCell({ modbus: true });
  });
  after(() => cell?.close());

  it('when the PLC holds the expected value the conditional TAO authorizes the write; when it does not, the TAO is not used and stays staged', async () => {
    const current = cell.plc!.readFloat32(100);
    await stage(cell, String(current + 4), { expect: String(current) });
    expect(await write(cell, current + 4)).to.equal('ok');
    expect(cell.plc!.readFloat32(100)).to.equal(current + 4);
    expect(cell.gateway.gate.staged.size).to.equal(0);

    // A stale condition: it expects the old value, the PLC now holds current + 4.
    await stage(cell, String(current + 8), { expect: String(current) });
    await cell.stopGovernance(); // no inline fallback: the staged TAO is the only way
    const result = await write(cell, current + 8);
    expect(result).to.not.equal('ok');
    expect(cell.plc!.readFloat32(100)).to.equal(current + 4);
    expect(cell.gateway.gate.staged.size, 'the conditional TAO was not consumed').to.equal(1);
    await cell.startGovernance();
  });

  it('when a conditional request asks for a step larger than the limit from the expected value, governance refuses it step_too_large', async () => {
    const answer = await requestTao(cell, 'optimizer-1', 'skid.flow_sp', '100', { expect: '10' });
    expect(answer.code).to.equal('step_too_large');
  });
});
