/**
 * The gateway's OPC UA link to a hardened PLC (the reactor simulator with
 * Basic256Sha256 + SignAndEncrypt and a user login, as in the demo): writes
 * pass as user `gateway`; with the PLC gone, writes to its tags are refused
 * plc_unavailable (BadCommunicationError), the PLC keeps its value, and
 * /readyz names the device that is down.
 */
import { expect } from 'chai';
import { DataType } from 'node-opcua';
import { startCell, type Cell } from '../helpers/cell.js';
import { connect } from './client.js';
import { bodyOf, eventually, head, since } from './ledger.js';

describe('OPC UA: the gateway to a secured PLC', function () {
  this.timeout(120_000);
  let cell: Cell;

  before(async () => {
    cell = await startCell({ opcua: true, http: true });
  });
  after(async () => {
    await cell?.close();
  });

  it('when alice writes reactor.temp_sp the PLC applies it from a session of user gateway', async () => {
    const client = await connect(cell.opcuaEndpoint, { user: 'alice' });
    try {
      expect((await client.write('reactor.temp_sp', DataType.Double, 95)).name).to.equal('Good');
    } finally {
      await client.close();
    }
    expect(cell.opcuaPlc!.value('reactor.temp_sp')).to.equal(95);
    const applied = cell.opcuaPlc!.writes().at(-1)!;
    expect(applied).to.include({ tag: 'reactor.temp_sp', value: 95 });
    expect(applied.client?.user).to.equal('gateway');
    expect(applied.client?.applicationName).to.equal('taogate-gateway');
    const ready = (await (await fetch(`${cell.http!.url}/readyz`)).json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
    expect(ready.checks.plc).to.deep.include({ ok: true });
  });

  it('when the PLC goes away writes are refused plc_unavailable (BadCommunicationError), the PLC keeps its value and /readyz names the device', async () => {
    const plc = cell.opcuaPlc!;
    const writesBefore = plc.writes().length;
    await plc.close();
    await eventually(() => cell.gateway.devices().find((d) => d.device === 'reactor' && !d.up), 30_000, 'the reactor link to go down');

    const seq = head(cell);
    const client = await connect(cell.opcuaEndpoint, { user: 'alice' });
    try {
      expect((await client.write('reactor.temp_sp', DataType.Double, 100)).name).to.equal('BadCommunicationError');
      expect((await client.call('reactor.StartBatch', [{ dataType: DataType.String, value: 'R-1' }])).statusCode.name).to.equal('BadCommunicationError');
    } finally {
      await client.close();
    }
    expect(plc.value('reactor.temp_sp')).to.equal(95);
    expect(plc.writes().length).to.equal(writesBefore);
    expect(plc.calls()).to.have.length(0);
    const denied = (await since(cell, seq)).filter((r) => r.kind === 'denied');
    expect(denied.map((r) => bodyOf(r).code)).to.deep.equal(['plc_unavailable', 'plc_unavailable']);
    expect((await since(cell, seq)).filter((r) => r.kind === 'intent')).to.have.length(0);

    const res = await fetch(`${cell.http!.url}/readyz`);
    expect(res.status).to.equal(503);
    const body = (await res.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
    expect(body.checks.plc!.ok).to.equal(false);
    expect(body.checks.plc!.detail).to.match(/^reactor down: /);
  });
});
