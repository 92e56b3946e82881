/** Reactor methods StartBatch / Stop over real sockets, with the call log. */
import { expect } from 'chai';
import { DataType, type CallMethodResult } from 'node-opcua';
import { startOpcuaSim, tagNodeId, type OpcuaSim } from '../../simulators/opcua/index.js';
import { connectClient, testPkiDir, type TestClient } from './opcua-client.js';

const REACTOR = 'ns=1;s=reactor';
const START = 'ns=1;s=reactor.StartBatch';
const STOP = 'ns=1;s=reactor.Stop';

describe('opcua sim: StartBatch and Stop (real sockets)', function () {
  let sim: OpcuaSim;
  let client: TestClient;

  before(async () => {
    sim = await startOpcuaSim({ pkiDir: testPkiDir });
    client = await connectClient(sim.endpoint);
  });
  after(async () => {
    await client?.close();
    await sim?.close();
  });

  const startBatch = (recipeId: string): Promise<CallMethodResult> =>
    client.session.call({
      objectId: REACTOR,
      methodId: START,
      inputArguments: [{ dataType: DataType.String, value: recipeId }],
    });
  const readTag = async (tag: 'reactor.batch_state' | 'reactor.batch_id') =>
    (await client.read(tagNodeId(tag))).value.value as string;

  it('when StartBatch("R-001") is called it answers Good with a batch id, Running, and logs the call', async () => {
    const result = await startBatch('R-001');
    expect(result.statusCode.name).to.equal('Good');
    const batchId = result.outputArguments?.[0]?.value as string;
    expect(batchId).to.be.a('string').and.include('R-001');
    expect(await readTag('reactor.batch_state')).to.equal('Running');
    expect(await readTag('reactor.batch_id')).to.equal(batchId);
    const call = sim.calls().at(-1);
    expect(call).to.include({ kind: 'call', method: 'StartBatch', nodeId: START, status: 'Good' });
    expect(call?.args).to.deep.equal(['R-001']);
    expect(call?.outputs).to.deep.equal([batchId]);
    expect(call?.client?.applicationUri).to.be.a('string');
  });

  it('when StartBatch is called while Running it answers BadInvalidState', async () => {
    const result = await startBatch('R-002');
    expect(result.statusCode.name).to.equal('BadInvalidState');
    expect(sim.calls().at(-1)).to.include({ method: 'StartBatch', status: 'BadInvalidState' });
  });

  it('when StartBatch("") is called it answers BadInvalidArgument and logs it', async () => {
    const result = await startBatch('');
    expect(result.statusCode.name).to.equal('BadInvalidArgument');
    expect(sim.calls().at(-1)).to.deep.include({ method: 'StartBatch', args: [''], status: 'BadInvalidArgument' });
  });

  it('when Stop is called the batch state becomes Stopped, and a new batch may start', async () => {
    const result = await client.session.call({ objectId: REACTOR, methodId: STOP, inputArguments: [] });
    expect(result.statusCode.name).to.equal('Good');
    expect(await readTag('reactor.batch_state')).to.equal('Stopped');
    expect(sim.calls().at(-1)).to.deep.include({ method: 'Stop', args: [], status: 'Good' });
    expect((await startBatch('R-003')).statusCode.name).to.equal('Good');
    expect(sim.value('reactor.batch_state')).to.equal('Running');
  });

  it('when arguments fail node-opcua\'s checks (Part 4 §5.11.2) it answers before the PLC logic and logs nothing', async () => {
    const before = sim.calls().length;
    const wrongType = await client.session.call({
      objectId: REACTOR,
      methodId: START,
      inputArguments: [{ dataType: DataType.Int32, value: 5 }],
    });
    expect(wrongType.statusCode.name).to.equal('BadTypeMismatch');
    const missing = await client.session.call({ objectId: REACTOR, methodId: START, inputArguments: [] });
    expect(missing.statusCode.name).to.equal('BadArgumentsMissing');
    expect(sim.calls()).to.have.length(before);
  });

  it('when methods are called, nothing is logged as a write', () => {
    expect(sim.writes()).to.deep.equal([]);
    expect(sim.calls().map((c) => c.status)).to.deep.equal(['Good', 'BadInvalidState', 'BadInvalidArgument', 'Good', 'Good']);
  });
});
