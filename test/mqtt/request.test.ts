import { expect } from 'chai';
import { Socket } from 'node:net';
import type { MqttClient } from 'mqtt';
import {
  NotConnectedError,
  RequestTimeoutError,
  Requester,
  serveRequests,
  startBroker,
  topics,
  type Broker,
  type RequestMeta,
} from '../../src/mqtt/index.js';
import { brokerFor, Cleanup, clientFor, credentials, GW, once, sleep, waitFor } from './helpers.js';

/** Governance echoing every request on `filter`, with optional behaviour per body. */
async function echoGovernance(cleanup: Cleanup, broker: Broker, filter: string) {
  const gov = await clientFor(cleanup, broker, 'governance');
  const seen: RequestMeta[] = [];
  const server = await serveRequests(gov, filter, async (body, meta) => {
    seen.push(meta);
    const b = body as { delayMs?: number; throw?: boolean; silent?: boolean } | null;
    if (b?.delayMs) await sleep(b.delayMs);
    if (b?.throw) throw new Error('handler bug');
    if (b?.silent) return undefined;
    return { echo: body, topic: meta.topic };
  });
  cleanup.add(() => server.close());
  return { gov, server, seen };
}

function requesterFor(cleanup: Cleanup, client: MqttClient, user: string): Requester {
  const r = new Requester(client, topics.decisionBase(user), { extraReplyBases: [topics.replyBase(user)] });
  cleanup.add(async () => r.close());
  return r;
}

/** Resolves when the broker has seen `count` SUBSCRIBE packets naming `filter`. */
function subscribed(broker: Broker, filter: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (subs: { topic: string }[]) => {
      if (subs.some((s) => s.topic === filter)) {
        broker.aedes.off('subscribe', on);
        resolve();
      }
    };
    broker.aedes.on('subscribe', on);
  });
}

describe('mqtt request/response over MQTT 3.1.1 (payload-carried corr and replyTo)', function () {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.closeAll());

  it('when a request is sent at QoS 0, it travels and is answered at QoS 0 (no PUBACKs), and at QoS 1 by default', async () => {
    const broker = await brokerFor(cleanup);
    await echoGovernance(cleanup, broker, topics.govRequest);
    const op = await clientFor(cleanup, broker, 'operator');
    const req = requesterFor(cleanup, op, 'operator');
    const published: { topic: string; qos: number }[] = [];
    const onPublish = (packet: { topic: string; qos: number }, client: unknown) => {
      if (client) published.push({ topic: packet.topic, qos: packet.qos });
    };
    broker.aedes.on('publish', onPublish);
    cleanup.add(async () => void broker.aedes.off('publish', onPublish));
    expect(await req.request(topics.govRequest, { n: 0 }, 2000, { qos: 0 })).to.deep.include({ echo: { n: 0 } });
    expect(await req.request(topics.govRequest, { n: 1 }, 2000)).to.deep.include({ echo: { n: 1 } });
    // aedes reports a QoS 1 publish once it was forwarded: wait for all four.
    await waitFor(() => published.length >= 4, 5000, 'four publishes seen by the broker');
    const reqs = published.filter((p) => p.topic === topics.govRequest).map((p) => p.qos);
    const replies = published.filter((p) => p.topic.startsWith(topics.decisionBase('operator'))).map((p) => p.qos);
    expect(reqs).to.deep.equal([0, 1]);
    expect(replies).to.deep.equal([0, 1]);
  });

  it('when a client asks governance, the reply comes back matched by corr', async () => {
    const broker = await brokerFor(cleanup);
    const { seen } = await echoGovernance(cleanup, broker, topics.govRequest);
    const op = await clientFor(cleanup, broker, 'operator');
    const req = requesterFor(cleanup, op, 'operator');
    const [a, b] = await Promise.all([req.request(topics.govRequest, { n: 1 }, 2000), req.request(topics.govRequest, { n: 2 }, 2000)]);
    expect(a).to.deep.equal({ echo: { n: 1 }, topic: topics.govRequest });
    expect(b).to.deep.equal({ echo: { n: 2 }, topic: topics.govRequest });
    expect(seen).to.have.length(2);
    for (const m of seen) {
      expect(m.corr).to.match(/^[0-9a-f]{32}$/);
      expect(m.replyTo).to.equal(`${topics.decisionBase('operator')}/${m.corr}`);
      expect(m.deadline).to.be.within(Date.now(), Date.now() + 2000);
    }
    expect(req.stats).to.deep.equal({ pending: 0, lateReplies: 0, unmatchedReplies: 0, invalidReplies: 0 });
  });

  it('when a gateway proposes inline, governance answers on the gateway`s own decision topic', async () => {
    const broker = await brokerFor(cleanup);
    const { seen } = await echoGovernance(cleanup, broker, topics.proposeAll);
    const gw = await clientFor(cleanup, broker, GW);
    const req = new Requester(gw, topics.decisionBase(GW));
    cleanup.add(async () => req.close());
    const reply = await req.request<{ topic: string }>(topics.propose(GW), { tag: 'skid.flow_sp', value: '42' }, 2000);
    expect(reply.topic).to.equal(topics.propose(GW));
    expect(seen[0]!.topic).to.equal(topics.propose(GW));
  });

  it('when a client stages at a gateway, the gateway answers on the client`s reply topic and ignores a decision replyTo', async () => {
    const broker = await brokerFor(cleanup);
    const gw = await clientFor(cleanup, broker, GW);
    const server = await serveRequests(gw, topics.stage(GW), async (body) => ({ staged: body }));
    cleanup.add(() => server.close());
    const op = await clientFor(cleanup, broker, 'operator');
    const req = requesterFor(cleanup, op, 'operator');
    const replyBase = topics.replyBase('operator');
    expect(await req.request(topics.stage(GW), { tao: 'x' }, 2000, { replyBase })).to.deep.equal({ staged: { tao: 'x' } });
    // default base is the decision topic, which a gateway may not publish on: it must not answer (nor get cut)
    const err = await req.request(topics.stage(GW), { tao: 'y' }, 200).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RequestTimeoutError);
    expect(server.stats.garbage).to.equal(1);
    expect(gw.connected).to.equal(true);
    const wrongBase = await req.request(topics.stage(GW), {}, 200, { replyBase: 'taogate/v1/reply/console' }).catch((e: unknown) => e);
    expect(wrongBase).to.be.instanceOf(TypeError);
  });

  it('when the deadline passes, it rejects with RequestTimeoutError and the late reply is discarded and counted', async () => {
    const broker = await brokerFor(cleanup);
    await echoGovernance(cleanup, broker, topics.govRequest);
    const op = await clientFor(cleanup, broker, 'operator');
    const req = requesterFor(cleanup, op, 'operator');
    const started = Date.now();
    const err = await req.request(topics.govRequest, { delayMs: 300 }, 100).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(err).to.be.instanceOf(RequestTimeoutError);
    expect((err as RequestTimeoutError).code).to.equal('request_timeout');
    expect(waited).to.be.within(95, 600); // timer precision under a loaded CI box
    await waitFor(() => req.lateReplies === 1, 2000, 'the late reply');
    expect(req.stats).to.include({ pending: 0, lateReplies: 1, unmatchedReplies: 0 });
  });

  it('when the client is offline, request() fails fast with NotConnectedError, and in-flight requests fail on disconnect', async () => {
    const broker = await brokerFor(cleanup);
    await echoGovernance(cleanup, broker, topics.govRequest);
    const op = await clientFor(cleanup, broker, 'operator', { reconnectPeriodMs: 60_000 });
    const req = requesterFor(cleanup, op, 'operator');
    await req.whenReady();
    const inflight = req.request(topics.govRequest, { delayMs: 1000 }, 5000).catch((e: unknown) => e);
    await sleep(50);
    const closed = once(op, 'close');
    await broker.close();
    await closed;
    expect(await inflight).to.be.instanceOf(NotConnectedError);
    const started = Date.now();
    const err = await req.request(topics.govRequest, {}, 5000).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NotConnectedError);
    expect((err as NotConnectedError).code).to.equal('not_connected');
    expect(Date.now() - started).to.be.below(50); // no waiting for a reconnect
  });

  it('when the broker restarts on the same port, clients reconnect, resubscribe and requests work again', async () => {
    const first = await startBroker({ users: credentials().file });
    cleanup.add(() => first.close());
    await echoGovernance(cleanup, first, topics.govRequest);
    const op = await clientFor(cleanup, first, 'operator');
    const req = requesterFor(cleanup, op, 'operator');
    expect(await req.request(topics.govRequest, { before: true }, 2000)).to.deep.include({ echo: { before: true } });

    await first.close();
    await waitFor(() => !op.connected, 3000, 'client to notice');
    const second = await brokerFor(cleanup, first.port);
    await Promise.all([subscribed(second, topics.govRequest), subscribed(second, `${topics.decisionBase('operator')}/#`)]);
    await waitFor(() => op.connected, 3000, 'reconnect');
    expect(await req.request(topics.govRequest, { after: true }, 2000)).to.deep.include({ echo: { after: true } });
  });

  it('when garbage lands on the request topic, serveRequests logs it, keeps going, and a handler exception answers internal_error', async () => {
    const broker = await brokerFor(cleanup);
    const { server, seen } = await echoGovernance(cleanup, broker, topics.govRequest);
    const op = await clientFor(cleanup, broker, 'operator');
    const corr = 'c'.repeat(32);
    const me = topics.decisionBase('operator');
    const junk = [
      'not json at all',
      '[1,2,3]',
      '{"replyTo":"x/y","deadline":9999999999999}', // no corr
      JSON.stringify({ corr, deadline: Date.now() + 5000 }), // no replyTo
      JSON.stringify({ corr, replyTo: 'taogate/v1/decision/+/x', deadline: Date.now() + 5000 }), // wildcard replyTo
      JSON.stringify({ corr, replyTo: topics.govStatus, deadline: Date.now() + 5000 }), // replyTo not a reply topic
      JSON.stringify({ corr, replyTo: `${me}/${corr}`, deadline: Date.now() - 1 }), // already expired
      Buffer.from([0xff, 0xfe, 0x00]).toString('latin1'),
    ];
    for (const j of junk) op.publish(topics.govRequest, j, { qos: 1 });
    await waitFor(() => server.stats.received === junk.length, 3000, 'junk to be processed');
    expect(server.stats).to.include({ garbage: junk.length - 1, expired: 1, answered: 0 });
    expect(seen).to.have.length(0);

    const req = requesterFor(cleanup, op, 'operator');
    expect(await req.request(topics.govRequest, { throw: true }, 2000)).to.deep.equal({ error: 'internal_error' });
    const err = await req.request(topics.govRequest, { silent: true }, 150).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RequestTimeoutError); // undefined result: no reply at all
    expect(await req.request(topics.govRequest, { ok: 1 }, 2000)).to.deep.include({ echo: { ok: 1 } });
    expect(server.stats).to.include({ handlerErrors: 1, silent: 1 });
  });

  describe('TCP no-delay', () => {
    const original = Socket.prototype.setNoDelay;
    const noDelay = new Set<Socket>();
    before(() => {
      Socket.prototype.setNoDelay = function (this: Socket, enable?: boolean) {
        if (enable !== false) noDelay.add(this);
        else noDelay.delete(this);
        return original.call(this, enable);
      };
    });
    after(() => {
      Socket.prototype.setNoDelay = original;
    });

    it('when a client connects and reconnects, no-delay is set on its socket each time, and on the broker side', async () => {
      const broker = await brokerFor(cleanup);
      const op = await clientFor(cleanup, broker, 'operator');
      const firstStream = op.stream as unknown as Socket;
      expect(firstStream).to.be.instanceOf(Socket);
      expect(noDelay.has(firstStream), 'client socket after connect').to.equal(true);
      const serverSide = [...noDelay].filter((s) => s.localPort === broker.port && s.remotePort === firstStream.localPort);
      expect(serverSide, 'broker side of the connection').to.have.length(1);

      firstStream.destroy(); // drop the connection under mqtt.js
      await once(op, 'connect', 3000);
      const secondStream = op.stream as unknown as Socket;
      expect(secondStream).to.not.equal(firstStream);
      expect(noDelay.has(secondStream), 'client socket after reconnect').to.equal(true);
    });
  });

  it('when measured, a QoS 1 request/response round trip is sub-millisecond-ish (median printed, not asserted)', async () => {
    const broker = await brokerFor(cleanup);
    await echoGovernance(cleanup, broker, topics.govRequest);
    const op = await clientFor(cleanup, broker, 'operator');
    const req = requesterFor(cleanup, op, 'operator');
    for (let i = 0; i < 50; i++) await req.request(topics.govRequest, { warm: i }, 2000);
    const ms: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = process.hrtime.bigint();
      await req.request(topics.govRequest, { i }, 2000);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    ms.sort((x, y) => x - y);
    const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(3);
    console.log(`      QoS 1 request/response round trip over aedes (n=${ms.length}): median ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms`);
  });
});
