/**
 * Issue 11, defect 6: anyone who can reach the Modbus port could grow the
 * ledger with one signed, fsynced denied receipt per refused frame. Per
 * source, the first refusals of an interval are recorded one by one; the
 * rest are counted into one denied_summary receipt, so the evidence stays
 * complete (every refusal is a receipt or counted) without a disk lever.
 */
import { expect } from 'chai';
import type { Receipt } from '../../src/ledger/index.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { closeClient, f32, modbusClient } from '../simulators/modbus-helpers.js';

const BURST = 5;

describe('refusals from one source are summarized beyond a burst', function () {
  this.timeout(60_000);
  let cell: Cell;
  before(async () => {
    cell = await startCell({ modbus: true, refusals: { burst: BURST, intervalMs: 60_000 } });
  });
  after(() => cell?.close());

  it('when an unidentified source sends 25 writes, 5 get denied receipts, the other 20 are counted by code in one denied_summary, and the PLC never changes', async () => {
    const before = cell.plc!.readFloat32(100);
    const client = await modbusClient(cell.modbusPort, 1, '127.0.0.3');
    client.setTimeout(5000);
    let refused = 0;
    try {
      for (let i = 0; i < 25; i++) {
        await client.writeRegisters(100, f32(before + 1)).catch(() => (refused += 1));
      }
    } finally {
      await closeClient(client);
    }
    expect(refused).to.equal(25);
    expect(cell.plc!.readFloat32(100)).to.equal(before);
    await cell.gateway.gate.refusals.flush();

    const receipts: Receipt[] = [];
    for await (const r of cell.gateway.ledger.iterate()) receipts.push(r as Receipt);
    const fromSource = (r: Receipt) => String((r.body as Record<string, unknown>).source ?? '').startsWith('127.0.0.3');
    const denied = receipts.filter((r) => r.kind === 'denied' && fromSource(r));
    expect(denied).to.have.length(BURST);
    const summaries = receipts.filter((r) => r.kind === 'denied_summary');
    expect(summaries).to.have.length(1);
    const s = summaries[0]!.body as { source: string; count: number; recorded: number; byCode: Record<string, number>; byTarget: Record<string, number> };
    expect(s.source).to.equal('modbus:127.0.0.3');
    expect(s.count).to.equal(20);
    expect(s.recorded).to.equal(BURST);
    expect(s.byCode).to.deep.equal({ unknown_actor: 20 });
    expect(s.byTarget).to.deep.equal({ 'skid.flow_sp': 20 });
  });

  it('when an identified actor is refused, its refusals count under the actor, apart from other sources', async () => {
    const hmi = await modbusClient(cell.modbusPort, 1, '127.0.0.1');
    hmi.setTimeout(5000);
    try {
      for (let i = 0; i < BURST + 3; i++) await hmi.writeRegisters(100, f32(500)).catch(() => undefined); // out of range
    } finally {
      await closeClient(hmi);
    }
    await cell.gateway.gate.refusals.flush();
    const summaries: Record<string, unknown>[] = [];
    for await (const r of cell.gateway.ledger.iterate()) if (r.kind === 'denied_summary') summaries.push(r.body as Record<string, unknown>);
    const hmiSummary = summaries.find((s) => s.source === 'actor:hmi-1');
    expect(hmiSummary, JSON.stringify(summaries)).to.not.equal(undefined);
    expect(hmiSummary!.count).to.equal(3);
    expect(hmiSummary!.byCode).to.deep.equal({ out_of_range: 3 });
  });
});
