import { expect } from 'chai';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as mqttConnect } from 'mqtt';
import { connectMqtt, MqttAuthError, MqttConnectError, SubscribeRefusedError, subscribeStrict, topics } from '../../src/mqtt/index.js';
import { brokerFor, Cleanup, clientFor, collect, credentials, GW, OTHER_GW, once, sleep, waitFor } from './helpers.js';

describe('mqtt broker (aedes, real sockets on 127.0.0.1)', function () {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.closeAll());

  describe('authentication (MQTT 3.1.1 3.2.2.3)', () => {
    it('when a client connects anonymously, CONNACK refuses it (return code 5) and it does not retry', async () => {
      const broker = await brokerFor(cleanup);
      const raw = cleanup.client(mqttConnect(broker.url, { protocolVersion: 4, reconnectPeriod: 0 }));
      const [err] = await once<[Error & { code?: number }]>(raw, 'error');
      expect(err.code).to.equal(5);
      expect(broker.aedes.connectedClients).to.equal(0);
    });

    it('when the password is wrong, connectMqtt rejects with MqttAuthError (return code 4)', async () => {
      const broker = await brokerFor(cleanup);
      const started = Date.now();
      const err = await connectMqtt(broker.url, { username: 'operator', password: 'wrong' }).then(
        () => expect.fail('connected'),
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(MqttAuthError);
      expect((err as MqttAuthError).returnCode).to.equal(4);
      expect((err as MqttAuthError).code).to.equal('auth_refused');
      expect((err as Error).message).to.match(/refused user 'operator'.*bad user name or password/);
      expect(Date.now() - started).to.be.below(2000); // no endless reconnect loop before failing
    });

    it('when the user is unknown, it is refused like a wrong password (no username oracle)', async () => {
      const broker = await brokerFor(cleanup);
      const err = await connectMqtt(broker.url, { username: 'mallory', password: 'x' }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MqttAuthError);
      expect((err as MqttAuthError).returnCode).to.equal(4);
    });

    it('when a user takes another user`s client id, it is refused with return code 2 (MQTT-3.1.4-2 takeover)', async () => {
      const broker = await brokerFor(cleanup);
      const err = await clientFor(cleanup, broker, GW, { clientId: 'governance' }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MqttAuthError);
      expect((err as MqttAuthError).returnCode).to.equal(2);
    });

    it('when a user sets a last will on a topic it may not publish, the connection is refused (return code 5)', async () => {
      const broker = await brokerFor(cleanup);
      const err = await clientFor(cleanup, broker, GW, { will: { topic: topics.govStatus, payload: '{"status":"offline"}', retain: true } }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MqttAuthError);
      expect((err as MqttAuthError).returnCode).to.equal(5);
    });

    it('when the broker is not there, the first connect fails with MqttConnectError after its timeout', async () => {
      const broker = await brokerFor(cleanup);
      const url = broker.url;
      await broker.close();
      const err = await connectMqtt(url, { username: 'operator', password: 'x', initialTimeoutMs: 700 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MqttConnectError);
      expect((err as Error).message).to.match(/no MQTT connection .* within 700 ms/);
    });
  });

  describe('authorization', () => {
    it('when a gateway publishes on taogate/v1/decision/..., the broker drops it and cuts the gateway (MQTT-3.3.5-2)', async () => {
      const broker = await brokerFor(cleanup);
      const victim = await clientFor(cleanup, broker, 'operator');
      await subscribeStrict(victim, `${topics.decisionBase('operator')}/#`);
      const got = collect(victim);
      const gw = await clientFor(cleanup, broker, GW);
      const gone = once(gw, 'close');
      gw.publish(topics.decision('operator', 'f'.repeat(32)), JSON.stringify({ corr: 'f'.repeat(32), body: { forged: true } }), { qos: 1 });
      await gone;
      // governance MAY publish decisions: its sentinel arrives, proving the subscription works and the forgery never came
      const gov = await clientFor(cleanup, broker, 'governance');
      gov.publish(topics.decision('operator', 'e'.repeat(32)), '{"sentinel":true}', { qos: 1 });
      await waitFor(() => got.length > 0, 3000, 'sentinel');
      await sleep(50);
      expect(got.map((m) => m.payload)).to.deep.equal(['{"sentinel":true}']);
    });

    it('when a gateway subscribes to another user`s decisions, SUBACK grants 0x80 (MQTT 3.1.1 3.9.3) and nothing is delivered', async () => {
      const broker = await brokerFor(cleanup);
      const gw = await clientFor(cleanup, broker, GW);
      const err = await subscribeStrict(gw, `${topics.decisionBase('operator')}/#`).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(SubscribeRefusedError);
      const wildcard = await subscribeStrict(gw, 'taogate/v1/decision/+/x').catch((e: unknown) => e);
      expect(wildcard).to.be.instanceOf(SubscribeRefusedError);
      await subscribeStrict(gw, `${topics.decisionBase(GW)}/#`); // its own: fine, connection still up
      const got = collect(gw);
      const gov = await clientFor(cleanup, broker, 'governance');
      gov.publish(topics.decision('operator', 'a'.repeat(32)), '{"secret":1}', { qos: 1 });
      gov.publish(topics.decision(GW, 'b'.repeat(32)), '{"mine":1}', { qos: 1 });
      await waitFor(() => got.length > 0, 3000, 'own decision');
      await sleep(50);
      expect(got.map((m) => m.payload)).to.deep.equal(['{"mine":1}']);
    });

    it('when a client publishes a proposal for a gateway, it is refused; the gateway may propose for itself only', async () => {
      const broker = await brokerFor(cleanup);
      const gov = await clientFor(cleanup, broker, 'governance');
      await subscribeStrict(gov, topics.proposeAll);
      const got = collect(gov);
      const cli = await clientFor(cleanup, broker, 'operator');
      const gone = once(cli, 'close');
      cli.publish(topics.propose(GW), '{"forged":true}', { qos: 1 });
      await gone;
      // the gateway itself may propose, and may not propose as another gateway
      const gw = await clientFor(cleanup, broker, GW);
      gw.publish(topics.propose(GW), '{"real":true}', { qos: 1 });
      await waitFor(() => got.length > 0, 3000, 'real proposal');
      await sleep(50);
      expect(got).to.deep.equal([{ topic: topics.propose(GW), payload: '{"real":true}' }]);
      const other = await clientFor(cleanup, broker, GW);
      const otherGone = once(other, 'close');
      other.publish(topics.propose(OTHER_GW), '{"spoof":true}', { qos: 1 });
      await otherGone;
      expect(got).to.have.length(1);
    });

    it('when a client publishes a retained request, it is refused (a retained request would replay)', async () => {
      const broker = await brokerFor(cleanup);
      const cli = await clientFor(cleanup, broker, 'operator');
      const gone = once(cli, 'close');
      cli.publish(topics.govRequest, '{}', { qos: 1, retain: true });
      await gone;
    });
  });

  describe('robustness', () => {
    function raw(port: number): Promise<Socket> {
      return new Promise((resolve, reject) => {
        const s = netConnect({ host: '127.0.0.1', port }, () => resolve(s));
        s.on('error', reject);
      });
    }

    it('when a socket sends garbage or announces an oversize packet, only that socket is cut and the broker keeps serving', async () => {
      const broker = await brokerFor(cleanup);
      const garbage = await raw(broker.port);
      cleanup.add(async () => void garbage.destroy());
      garbage.on('error', () => {});
      garbage.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      await once(garbage, 'close');

      const huge = await raw(broker.port);
      cleanup.add(async () => void huge.destroy());
      huge.on('error', () => {});
      huge.write(Buffer.from([0x30, 0x80, 0x80, 0x40])); // PUBLISH announcing 1 MiB (2.2.3)
      await once(huge, 'close');

      const noise = await raw(broker.port);
      cleanup.add(async () => void noise.destroy());
      noise.on('error', () => {});
      noise.write(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)));
      await once(noise, 'close');

      const cli = await clientFor(cleanup, broker, 'operator');
      expect(cli.connected).to.equal(true);
    });

    it('when an authenticated client sends a packet over 256 KiB, it is cut and the broker keeps serving', async () => {
      const broker = await brokerFor(cleanup);
      const gov = await clientFor(cleanup, broker, 'governance');
      const gone = once(gov, 'close');
      gov.publish(topics.govEvents, Buffer.alloc(300 * 1024, 0x61), { qos: 0 });
      await gone;
      const gov2 = await clientFor(cleanup, broker, 'governance');
      await subscribeStrict(gov2, topics.govEvents);
      const got = collect(gov2);
      gov2.publish(topics.govEvents, Buffer.alloc(200 * 1024, 0x62), { qos: 1 });
      await waitFor(() => got.length === 1, 3000, 'a 200 KiB event');
    });

    it('when closed with clients connected, close() resolves and the port is free again', async () => {
      const broker = await brokerFor(cleanup);
      const c = await clientFor(cleanup, broker, 'operator', { reconnectPeriodMs: 60_000 });
      const closed = once(c, 'close');
      await broker.close();
      await closed;
      const again = await brokerFor(cleanup, broker.port);
      expect(again.port).to.equal(broker.port);
    });
  });

  it('when listening by default, it binds 127.0.0.1 on an ephemeral port', async () => {
    const broker = await brokerFor(cleanup);
    expect(broker.url).to.equal(`mqtt://127.0.0.1:${broker.port}`);
    expect(broker.port).to.be.above(0);
    expect(credentials().file.users.length).to.be.above(0);
  });
});
