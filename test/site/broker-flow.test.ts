/**
 * Issue 12, section 1: the core flow runs the same against the bundled aedes
 * broker and a real Mosquitto 2.0 configured by `broker mosquitto-config`
 * (one suite, every broker). Modbus writes come from modbus-serial at
 * 127.0.0.1 (hmi-1) and 127.0.0.2 (optimizer-1) through the gateway's front
 * to the skid PLC simulator.
 */
import { expect } from 'chai';
import { connectMqtt, subscribeStrict, topics, type MqttClient } from '../../src/mqtt/index.js';
import type { Envelope } from '../../src/tao/envelope.js';
import { startCell, type Cell, type CellOptions } from '../helpers/cell.js';
import { approve, pendingRequests, present, requestTao } from '../helpers/requests.js';
import { closeClient, f32, modbusClient, type ModbusClient } from '../simulators/modbus-helpers.js';
import { MOSQUITTO, startMosquitto } from './mosquitto.js';

async function exceptionCode(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { modbusCode?: number }).modbusCode;
  }
  return undefined;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const BROKERS: { name: string; skip?: string; startBroker?: CellOptions['startBroker'] }[] = [
  { name: 'bundled aedes broker' },
  {
    name: 'real Mosquitto 2.0 (broker mosquitto-config)',
    ...(MOSQUITTO ? { startBroker: (o) => startMosquitto(o) } : { skip: 'mosquitto is not installed (apt-get install mosquitto)' }),
  },
];

for (const b of BROKERS) {
  describe(`site broker: the core flow on the ${b.name}`, function () {
    let cell: Cell;
    const clients: ModbusClient[] = [];
    const connect = async (localAddress = '127.0.0.1') => {
      const c = await modbusClient(cell.modbusPort, 1, localAddress);
      c.setTimeout(5000);
      clients.push(c);
      return c;
    };

    before(async function () {
      if (b.skip) {
        this.skip();
      }
      cell = await startCell({ modbus: true, ...(b.startBroker ? { startBroker: b.startBroker } : {}) });
    });
    after(async () => {
      for (const c of clients.splice(0)) await closeClient(c);
      await cell?.close();
    });

    it('when hmi-1 writes within policy it lands on the PLC; out of range is refused and the PLC keeps its value', async () => {
      const hmi = await connect();
      await hmi.writeRegisters(100, f32(42.5));
      expect(cell.plc!.readFloat32(100)).to.equal(42.5);
      expect(await exceptionCode(hmi.writeRegisters(100, f32(500)))).to.equal(0x03);
      expect(cell.plc!.readFloat32(100)).to.equal(42.5);
    });

    it('when a tag needs a supervisor the write waits for bob, then lands', async () => {
      const hmi = await connect();
      expect(await exceptionCode(hmi.writeRegister(110, 500))).to.equal(0x06);
      expect(cell.plc!.holding(110, 1)).to.not.deep.equal([500]);
      const list = await pendingRequests(cell);
      const id = list.find((r) => r.target === 'skid.pressure_max')!.id;
      expect(await approve(cell, id, 'bob')).to.include({ ok: true, status: 'approved' });
      await hmi.writeRegister(110, 500);
      expect(cell.plc!.holding(110, 1)).to.deep.equal([500]);
    });

    it('when optimizer-1 presents a pre-issued TAO the matching write consumes it, and a second presentation is refused consumed', async () => {
      const env = (await requestTao(cell, 'optimizer-1', 'skid.flow_sp', '60')).tao as Envelope;
      expect((await present(cell, env)).ok).to.equal(true);
      await cell.stopGovernance(); // the staged TAO needs no governance round trip
      try {
        const opti = await connect('127.0.0.2');
        await opti.writeRegisters(100, f32(60));
        expect(cell.plc!.readFloat32(100)).to.equal(60);
      } finally {
        await cell.startGovernance();
      }
      expect(await present(cell, env)).to.include({ ok: false, code: 'consumed' });
    });

    it('when the broker restarts, writes are refused 0x0B meanwhile (PLC untouched) and work again once it is back', async () => {
      const hmi = await connect();
      await cell.broker.close();
      await until('the gateway to see the broker gone', () => !cell.gateway.client.connected);
      expect(await exceptionCode(hmi.writeRegisters(100, f32(70)))).to.equal(0x0b);
      expect(cell.plc!.readFloat32(100)).to.equal(60);
      expect((await hmi.readHoldingRegisters(100, 2)).data).to.deep.equal(f32(60)); // reads pass
      await cell.restartBroker();
      await until('the gateway and governance to reconnect', () => cell.gateway.client.connected && cell.governance!.client.connected);
      await until('a write to pass again', async () => (await exceptionCode(hmi.writeRegisters(100, f32(70)))) === undefined);
      expect(cell.plc!.readFloat32(100)).to.equal(70);
    });

    it('when a client user tries to read proposals or pose as governance, the broker keeps it out', async () => {
      // governance's own client id (governance-<pid>; with Mosquitto's use_username_as_clientid, 'governance'):
      // aedes refuses it for another user (CONNACK 2), Mosquitto replaces it by the username
      for (const clientId of [`governance-${process.pid}`, 'governance']) {
        const posing = await connectMqtt(cell.broker.url, { username: 'operator', password: cell.secret('operator'), clientId }).catch((err: Error) => err);
        if (posing instanceof Error) expect(posing.message).to.match(/client id rejected/);
        else await posing.endAsync();
      }
      const spy: MqttClient = await connectMqtt(cell.broker.url, { username: 'operator', password: cell.secret('operator') });
      const seen: string[] = [];
      try {
        spy.on('message', (t) => seen.push(t));
        // aedes refuses the filter (SUBACK 0x80); Mosquitto 2.0 grants it but delivers nothing the ACL does not allow
        await subscribeStrict(spy, topics.proposeAll, 1).catch(() => undefined);
        const hmi = await connect();
        await hmi.writeRegisters(100, f32(75)); // an inline proposal crosses the broker
        expect(cell.plc!.readFloat32(100)).to.equal(75);
        // governance was not knocked off by a client using its client id
        expect(cell.governance!.client.connected).to.equal(true);
        await new Promise((r) => setTimeout(r, 300));
        expect(seen.filter((t) => t.startsWith(`${topics.proposeAll.slice(0, -1)}`))).to.deep.equal([]);
      } finally {
        await spy.endAsync();
      }
    });
  });
}
