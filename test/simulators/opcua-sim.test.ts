/**
 * The OPC UA reactor simulator over real sockets on 127.0.0.1, driven by a
 * plain node-opcua client (Security None, anonymous).
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttributeIds,
  ClientMonitoredItem,
  ClientSubscription,
  DataType,
  StatusCodes,
  TimestampsToReturn,
  type DataValue,
} from 'node-opcua';
import { startOpcuaSim, tagNodeId, type OpcuaSim, type SimLogEntry } from '../../simulators/opcua/index.js';
import { connectClient, testPkiDir, type TestClient } from './opcua-client.js';

const TEMP_SP = tagNodeId('reactor.temp_sp');
const TEMP_PV = tagNodeId('reactor.temp_pv');
const RPM = tagNodeId('reactor.agitator_rpm');

function readLogFile(file: string): SimLogEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as SimLogEntry);
}

/** Collects a monitored item's notifications for `ms` milliseconds. */
async function watch(client: TestClient, nodeId: string, ms: number, during?: () => Promise<unknown>): Promise<DataValue[]> {
  const sub = ClientSubscription.create(client.session, {
    requestedPublishingInterval: 50,
    requestedLifetimeCount: 100,
    requestedMaxKeepAliveCount: 10,
    publishingEnabled: true,
  });
  const seen: DataValue[] = [];
  const item = ClientMonitoredItem.create(
    sub,
    { nodeId, attributeId: AttributeIds.Value },
    { samplingInterval: 20, queueSize: 100, discardOldest: true },
    TimestampsToReturn.Both,
  );
  item.on('changed', (dv: DataValue) => seen.push(dv));
  await new Promise<void>((resolve, reject) => {
    item.once('initialized', () => resolve());
    item.once('err', (msg: string) => reject(new Error(msg)));
  });
  await during?.();
  await new Promise((r) => setTimeout(r, ms));
  await sub.terminate();
  return seen;
}

describe('opcua sim: reads, writes, subscriptions (real sockets)', function () {
  let sim: OpcuaSim;
  let client: TestClient;
  const logFile = join(testPkiDir, `sim-log-${Date.now()}.jsonl`);

  before(async () => {
    sim = await startOpcuaSim({ tickMs: 20, pkiDir: testPkiDir, logFile });
    client = await connectClient(sim.endpoint);
  });
  after(async () => {
    await client?.close();
    await sim?.close();
  });

  it('when started it advertises opc.tcp://127.0.0.1:PORT', () => {
    expect(sim.endpoint).to.equal(`opc.tcp://127.0.0.1:${sim.port}`);
  });

  it('when every tag is read it answers Good with the initial values and types', async () => {
    const expected: Array<[string, DataType, unknown]> = [
      ['reactor.temp_sp', DataType.Double, 80],
      ['reactor.agitator_rpm', DataType.Int32, 120],
      ['reactor.jacket_limit', DataType.Double, 120],
      ['reactor.agitator_pv', DataType.Double, 120],
      ['reactor.batch_state', DataType.String, 'Idle'],
      ['reactor.batch_id', DataType.String, ''],
    ];
    for (const [tag, dataType, value] of expected) {
      const dv = await client.read(`ns=1;s=${tag}`);
      expect(dv.statusCode.name, tag).to.equal('Good');
      expect(dv.value.dataType, tag).to.equal(dataType);
      expect(dv.value.value, tag).to.equal(value);
    }
    const pv = await client.read(TEMP_PV);
    expect(pv.statusCode.name).to.equal('Good');
    expect(pv.value.dataType).to.equal(DataType.Double);
    expect(pv.value.value).to.be.closeTo(80, 1e-6);
    expect(pv.sourceTimestamp).to.be.instanceOf(Date);
  });

  it('when temp_sp is written 95 it answers Good, logs one write and reads back 95', async () => {
    const before = sim.writes().length;
    const status = await client.write(TEMP_SP, DataType.Double, 95);
    expect(status.name).to.equal('Good');
    const added = sim.writes().slice(before);
    expect(added).to.have.length(1);
    expect(added[0]).to.include({ kind: 'write', nodeId: TEMP_SP, tag: 'reactor.temp_sp', value: 95 });
    expect(added[0]?.client?.applicationUri).to.be.a('string').and.not.equal('');
    expect(added[0]?.client?.sessionName).to.be.a('string');
    expect(Date.parse(added[0]!.ts)).to.be.closeTo(Date.now(), 5000);
    expect((await client.read(TEMP_SP)).value.value).to.equal(95);
    expect(sim.value('reactor.temp_sp')).to.equal(95);
  });

  it('when a String is written to temp_sp it answers BadTypeMismatch and logs nothing', async () => {
    const before = sim.writes().length;
    const status = await client.write(TEMP_SP, DataType.String, '100');
    expect(status.name).to.equal('BadTypeMismatch');
    expect(sim.writes()).to.have.length(before);
    expect(sim.value('reactor.temp_sp')).to.equal(95);
  });

  it('when a Double is written to the Int32 agitator_rpm it answers BadTypeMismatch; an Int32 is applied', async () => {
    const before = sim.writes().length;
    expect((await client.write(RPM, DataType.Double, 200.5)).name).to.equal('BadTypeMismatch');
    expect(sim.writes()).to.have.length(before);
    expect((await client.write(RPM, DataType.Int32, 200)).name).to.equal('Good');
    expect(sim.writes().slice(before).map((w) => [w.tag, w.value])).to.deep.equal([['reactor.agitator_rpm', 200]]);
  });

  it('when a process value is written it answers BadNotWritable and logs nothing', async () => {
    const before = sim.writes().length;
    expect((await client.write(TEMP_PV, DataType.Double, 20)).name).to.equal('BadNotWritable');
    expect(sim.writes()).to.have.length(before);
  });

  it('when subscribed, temp_pv moves toward the setpoint with Good status and fresh source timestamps', async () => {
    const start = Date.now();
    const seen = await watch(client, TEMP_PV, 600);
    expect(seen.length).to.be.at.least(3);
    const values = seen.map((dv) => dv.value.value as number);
    for (let i = 1; i < values.length; i++) expect(values[i]).to.be.above(values[i - 1]!);
    expect(values.at(-1)).to.be.below(95);
    for (const dv of seen) {
      expect(dv.statusCode.name).to.equal('Good');
      expect(dv.sourceTimestamp!.getTime()).to.be.closeTo(start, 2000);
    }
  });

  it('when subscribed to a setpoint, a client write is notified once it is applied', async () => {
    const seen = await watch(client, TEMP_SP, 200, () => client.write(TEMP_SP, DataType.Double, 96));
    expect(seen.map((dv) => dv.value.value)).to.include(96);
  });

  it('when the model updates process values, nothing is logged as a write', () => {
    const tags = new Set(sim.writes().map((w) => w.tag));
    expect([...tags].sort()).to.deep.equal(['reactor.agitator_rpm', 'reactor.temp_sp']);
  });

  it('when a log file is given, it holds exactly the in-memory entries as JSON lines', () => {
    expect(readLogFile(logFile)).to.deep.equal([...sim.writes(), ...sim.calls()].sort((a, b) => a.seq - b.seq));
  });

  it('when listening, the only socket on its port is bound to 127.0.0.1', function () {
    if (!existsSync('/proc/net/tcp')) this.skip();
    const portHex = `:${sim.port.toString(16).toUpperCase().padStart(4, '0')}`;
    const listeners: string[] = [];
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
        const [, local, , state] = line.trim().split(/\s+/);
        if (local?.endsWith(portHex) && state === '0A') listeners.push(local);
      }
    }
    expect(listeners).to.deep.equal([`0100007F${portHex}`]); // 127.0.0.1, little-endian hex
  });

  it('measures 300 sequential writes (printed, not asserted)', async () => {
    const before = sim.writes().length;
    const ms: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      const status = await client.write(TEMP_SP, DataType.Double, 90 + (i % 10));
      ms.push(performance.now() - t0);
      if (!status.isGood()) throw new Error(`write ${i}: ${status.name}`);
    }
    ms.sort((a, b) => a - b);
    const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(3);
    console.log(`      opcua sim direct write: median ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms (n=300)`);
    expect(sim.writes().length - before).to.equal(300);
  });
});
