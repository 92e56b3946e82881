import { randomUUID } from 'node:crypto';
import { DataType } from 'node-opcua';
import { startCell, type Cell } from '../helpers/cell.js';
import { connect } from './client.js';

describe('prof', function () {
  let cell: Cell;
  before(async () => { cell = await startCell({ opcua: true }); });
  after(async () => { await cell.close(); });
  it('times', async () => {
    const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!.toFixed(2);
    const gate = cell.gateway.gate;
    const front = (cell.gateway as any);
    let a: number[] = [], r: number[] = [], rc: number[] = [];
    for (let i = 0; i < 60; i++) {
      let t = performance.now();
      const v = await gate.authorize({ id: randomUUID(), protocol: 'cli', source: 't', actor: 'alice', op: 'write', target: 'reactor.agitator_rpm', value: String(100 + (i % 2)) });
      a.push(performance.now() - t);
      if (v.allowed) { t = performance.now(); await v.ticket.committed(); rc.push(performance.now() - t); }
    }
    const alice = await connect(cell.opcuaEndpoint, { user: 'alice' });
    for (let i = 0; i < 60; i++) { const t = performance.now(); await alice.read('reactor.temp_sp'); r.push(performance.now() - t); }
    const w: number[] = [];
    for (let i = 0; i < 60; i++) { const t = performance.now(); await alice.write('reactor.agitator_rpm', DataType.Int32, 100 + (i % 2)); w.push(performance.now() - t); }
    console.log('authorize', med(a), 'commit', med(rc), 'read', med(r), 'write agitator', med(w));
    await alice.close();
  });
});
