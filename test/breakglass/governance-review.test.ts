/**
 * Issue 14, the last acceptance item: governance learns every break-glass
 * write from the upstream copy and lists it for review. Governance is
 * STOPPED while a window is opened, written through and closed at a real
 * gateway (Modbus front, real LevelDB ledger replicated to a real upstream
 * over the bundled broker); started again, it catches up from the upstream
 * (no live message reached it), lists every write with its outcome, and
 * records supervisors' signed reviews (the real CLI), which survive a
 * governance restart. Forged and garbage feed messages are rejected and
 * never listed; the ACL keeps everyone but the upstream off the feed
 * (the bundled broker's rules, and a real Mosquitto when installed).
 */
import { expect } from 'chai';
import { connectMqtt, mayPublish, maySubscribe, subscribeStrict, topics, type AclUser, type MqttClient } from '../../src/mqtt/index.js';
import { readPrivateKeyFile } from '../../src/crypto/keyfile.js';
import { keyPaths } from '../../src/cli/paths.js';
import { createLogger } from '../../src/cli/log.js';
import { startGovernanceHttp, type RunningHttp } from '../../src/cli/ops-http.js';
import { signFeedMessage } from '../../src/breakglass/feed-wire.js';
import type { WindowView } from '../../src/governance/breakglass-review.js';
import { receiptHash, type Receipt } from '../../src/ledger/index.js';
import { toB64, toHex } from '../../src/crypto/encoding.js';
import { newGrantBody, signGrant } from '../../src/tao/grant.js';
import type { UpstreamNode } from '../../src/replication/upstream.js';
import { runCli } from '../helpers/cli.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { startUpstreamIn } from '../replication/helpers.js';
import { closeClient, f32, modbusClient, type ModbusClient } from '../simulators/modbus-helpers.js';
import { MOSQUITTO, startMosquitto } from '../site/mosquitto.js';
import { waitForValue } from '../helpers/wait.js';

const waitFor = waitForValue;

const body = (r: Receipt) => r.body as Record<string, unknown>;

describe('break-glass review at governance: learned from the upstream copy, reviewed by signed statements', function () {
  this.timeout(120_000);
  let cell: Cell;
  let upstream: UpstreamNode;
  let hmi: ModbusClient;
  let http: RunningHttp | undefined;
  let grant: string;
  let gw: string;
  const log = createLogger({ level: 'silent', name: 'test' });

  const startGovernance = async () => {
    await http?.close();
    const svc = await cell.startGovernance();
    http = await startGovernanceHttp(svc, { host: '127.0.0.1', port: 0, log });
    return svc;
  };
  const stopGovernance = async () => {
    await http?.close();
    http = undefined;
    await cell.stopGovernance();
  };
  const listHttp = async (pending = false) => (await (await fetch(`${http!.url}/api/breakglass${pending ? '?pending=1' : ''}`)).json()) as { windows: WindowView[]; intake: { live: number; catchup: number; rejected: number; garbage: number } };
  const ask = async (req: unknown): Promise<Record<string, unknown>> => {
    const op = await cell.operator();
    try {
      return (await op.decisions.request(topics.govRequest, req, 5000)) as Record<string, unknown>;
    } finally {
      await op.close();
    }
  };

  before(async () => {
    cell = await startCell({ modbus: true, http: true });
    gw = cell.profile.gateway.id;
    upstream = await startUpstreamIn(cell);
    hmi = await modbusClient(cell.modbusPort, 1, '127.0.0.1');
    hmi.setTimeout(15_000);
  });
  after(async () => {
    await closeClient(hmi).catch(() => {});
    await http?.close().catch(() => {});
    await upstream?.close().catch(() => {});
    await cell?.close();
  });

  it('when governance was stopped during a window, on start it catches up from the upstream and lists every write with its outcome', async () => {
    await stopGovernance();
    const approver = (name: string) => readPrivateKeyFile(keyPaths(cell.keysDir).approver(name)).signer;
    const g = signGrant(signGrant(newGrantBody({ gateway: gw, minutes: 10, reason: 'INC-4711 governance host down', tags: ['skid.flow_sp'], nowSeconds: Math.floor(Date.now() / 1000) }), 'bob', 'supervisor', approver('bob')), 'carol', 'supervisor', approver('carol'));
    grant = g.id;
    const post = (path: string, payload: unknown) => fetch(`${cell.http!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    expect((await post('/api/breakglass', g)).status).to.equal(200);
    const start = cell.plc!.readFloat32(100);
    await hmi.writeRegisters(100, f32(start + 3));
    await hmi.writeRegisters(100, f32(start + 6));
    expect(await hmi.writeRegisters(100, f32(500)).then(() => 'ok', () => 'refused')).to.equal('refused');
    expect(cell.plc!.readFloat32(100)).to.equal(start + 6);
    expect((await post('/api/breakglass/close', { by: 'bob' })).status).to.equal(200);
    // Everything (outcomes and the close included) reached the upstream's copy while governance was down.
    const head = cell.gateway.ledger.head.seq;
    await waitFor('the upstream copy to hold the close', () => ((upstream.copy(gw)?.held.seq ?? -1) >= head ? true : undefined));

    const svc = await startGovernance();
    const listed = await waitFor('governance to list the window with both outcomes', async () => {
      const l = await listHttp();
      const w = l.windows.find((x) => x.grant === grant);
      return w?.close && w.writes.length === 2 && w.writes.every((x) => x.outcome) ? l : undefined;
    });
    const w = listed.windows.find((x) => x.grant === grant)!;
    expect(w).to.deep.include({ gateway: gw, grant, signers: ['bob', 'carol'], reason: 'INC-4711 governance host down', tags: ['skid.flow_sp'], state: 'pending', problems: [] });
    expect(w.close).to.include({ why: 'closed', by: 'bob', writes: 2 });
    expect(w.writes.map((x) => [x.actor, x.target, Number(x.value), x.outcome])).to.deep.equal([
      ['hmi-1', 'skid.flow_sp', start + 3, 'committed'],
      ['hmi-1', 'skid.flow_sp', start + 6, 'committed'],
    ]);
    // The same receipts as the gateway's ledger, by seq and hash.
    const ledger: Receipt[] = [];
    for await (const r of cell.gateway.ledger.iterate()) ledger.push(r as Receipt);
    const intents = ledger.filter((r) => r.kind === 'intent' && body(r).grant === grant);
    expect(w.writes.map((x) => [x.seq, x.hash])).to.deep.equal(intents.map((r) => [r.seq, r.hash]));
    // Learned by the catch-up alone: no live message reached the stopped governance.
    expect(listed.intake.live).to.equal(0);
    expect(listed.intake.catchup).to.be.greaterThan(0);
    expect(svc.breakglass!.store.cursor(gw)).to.be.at.least(w.close!.seq);

    expect(await (await fetch(`${http!.url}/metrics`)).text()).to.match(/^taogate_breakglass_unreviewed 1$/m);
    const ready = (await (await fetch(`${http!.url}/readyz`)).json()) as { degraded?: boolean; checks: Record<string, { detail?: string }> };
    expect(ready.degraded).to.equal(true);
    expect(ready.checks.breakglass?.detail).to.contain(`grant ${grant} (pending, 2 write(s))`);
  });

  it('when supervisors review with the CLI, a signer alone leaves it pending, a second completes it, and the record survives a governance restart', async () => {
    const broker = cell.broker.url;
    const bob = await runCli(['breakglass', 'review', '--broker', broker, '--keys', cell.keysDir, '--ack', grant, '--as', 'bob', '--note', 'values checked against the batch record', '--json']);
    expect(bob.code, bob.stderr).to.equal(0);
    expect(JSON.parse(bob.stdout)).to.include({ ok: true, state: 'pending' });

    // bob again: refused; an operator key is no reviewer; a review of an unknown window: refused.
    const { MESSAGE_TYPES, signMessage } = await import('../../src/tao/signed.js');
    const w = (await listHttp()).windows.find((x) => x.grant === grant)!;
    const statement = (by: string, file: string, over: Partial<{ grant: string; digest: string }> = {}) =>
      signMessage(MESSAGE_TYPES.breakglassReview, { gateway: gw, grant: over.grant ?? grant, by, digest: over.digest ?? w.digest, note: 'n' }, readPrivateKeyFile(file).signer);
    const kp = keyPaths(cell.keysDir);
    expect(await ask({ type: 'breakglass.review', signed: statement('bob', kp.approver('bob')) })).to.include({ ok: false, code: 'duplicate_approver' });
    expect(await ask({ type: 'breakglass.review', signed: statement('carol', kp.approver('carol'), { digest: '0'.repeat(64) }) })).to.include({ ok: false, code: 'bad_approval' });
    expect(await ask({ type: 'breakglass.review', signed: statement('carol', kp.approver('carol'), { grant: 'f'.repeat(32) }) })).to.include({ ok: false, code: 'unknown_request' });
    expect(await ask({ type: 'breakglass.review', signed: statement('hmi-1', kp.actor('hmi-1')) })).to.include({ ok: false, code: 'not_authenticated' });

    const carol = await runCli(['breakglass', 'review', '--broker', broker, '--keys', cell.keysDir, '--ack', grant, '--as', 'carol', '--note', 'agreed; INC-4711 closed']);
    expect(carol.code, carol.stderr).to.equal(0);
    expect(carol.stdout).to.contain(`review of ${grant} by carol recorded: reviewed`);

    await stopGovernance();
    await startGovernance();
    const after = await ask({ type: 'breakglass.list' });
    const again = (after.windows as WindowView[]).find((x) => x.grant === grant)!;
    expect(again.state).to.equal('reviewed');
    expect(again.reviews.map((r) => [r.by, r.independent, r.note])).to.deep.equal([
      ['bob', false, 'values checked against the batch record'],
      ['carol', false, 'agreed; INC-4711 closed'],
    ]);
    const pending = await runCli(['breakglass', 'review', '--broker', broker, '--keys', cell.keysDir, '--pending']);
    expect(pending.code, pending.stderr).to.equal(0);
    expect(pending.stdout.trim()).to.equal('no break-glass window awaits review');
    expect(await (await fetch(`${http!.url}/metrics`)).text()).to.match(/^taogate_breakglass_unreviewed 0$/m);
  });

  it('when governance runs during a window it learns it from live feed messages, and lists it pending', async () => {
    const intake = cell.governance!.breakglass!.intake;
    const liveBefore = intake.stats.live;
    const approver = (name: string) => readPrivateKeyFile(keyPaths(cell.keysDir).approver(name)).signer;
    const g = signGrant(signGrant(newGrantBody({ gateway: gw, minutes: 5, reason: 'second window', nowSeconds: Math.floor(Date.now() / 1000) }), 'bob', 'supervisor', approver('bob')), 'carol', 'supervisor', approver('carol'));
    const post = (path: string, payload: unknown) => fetch(`${cell.http!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    expect((await post('/api/breakglass', g)).status).to.equal(200);
    await hmi.writeRegisters(100, f32(cell.plc!.readFloat32(100) + 2));
    expect((await post('/api/breakglass/close', { by: 'carol' })).status).to.equal(200);
    const w = await waitFor('the live window', async () => (await listHttp(true)).windows.find((x) => x.grant === g.id && x.close && x.writes[0]?.outcome === 'committed'));
    expect(w).to.deep.include({ state: 'pending', tags: ['*'] });
    expect(intake.stats.live).to.be.greaterThan(liveBefore);
    expect(await (await fetch(`${http!.url}/metrics`)).text()).to.match(/^taogate_breakglass_unreviewed 1$/m);
  });

  it('when a forged receipt or garbage arrives on the feed it is rejected, never listed, and governance keeps serving', async () => {
    const svc = cell.governance!;
    const intake = svc.breakglass!.intake;
    const before = { ...intake.stats };
    const kp = keyPaths(cell.keysDir);
    const upstreamSigner = readPrivateKeyFile(kp.upstream).signer;
    const intruder = readPrivateKeyFile(kp.approver('bob')).signer;
    const head = cell.gateway.ledger.head;
    // A break-glass write that never happened, sealed with another key than the gateway's, in a claim the upstream key signs.
    const unsigned = { seq: head.seq + 50, prev: head.hash, ts: Date.now(), kind: 'intent' as const, gateway: gw, kid: readPrivateKeyFile(kp.gateway).signer.keyId, body: { path: 'breakglass', grant, actor: 'hmi-1', target: 'skid.flow_sp', value: '99', protocol: 'modbus' } };
    const hash = receiptHash(unsigned);
    const forged: Receipt = { ...unsigned, hash: toHex(hash), sig: toB64(intruder.sign(hash)) };
    const client: MqttClient = await connectMqtt(cell.broker.url, { username: 'upstream', password: cell.secret('upstream') });
    try {
      const topic = topics.bgFeed(gw);
      await client.publishAsync(topic, JSON.stringify(signFeedMessage({ gateway: gw, from: forged.seq, to: forged.seq }, [forged], upstreamSigner)), { qos: 1 });
      // A claim signed by a key that is not the upstream's.
      await client.publishAsync(topic, JSON.stringify({ ...signFeedMessage({ gateway: gw, from: head.seq + 60, to: head.seq + 1000 }, [], intruder), kid: upstreamSigner.keyId }), { qos: 1 });
      for (const junk of ['not json', '{"t":"bg"}', '[]', JSON.stringify({ t: 'bg', gateway: gw, from: 0, to: 0, receipts: [1], kid: 'x', sig: 'y' }), Buffer.from([0xff, 0x00, 0x13])]) await client.publishAsync(topic, junk, { qos: 1 });
    } finally {
      await client.endAsync();
    }
    await waitFor('the intake to reject and count', () => (intake.stats.rejected >= before.rejected + 2 && intake.stats.garbage >= before.garbage + 5 ? true : undefined));
    await intake.idle();
    const w = (await listHttp()).windows.find((x) => x.grant === grant)!;
    expect(w.writes.map((x) => x.value)).to.not.include('99');
    expect(svc.breakglass!.store.cursor(gw)).to.be.below(head.seq + 50);
    expect(await ask({ type: 'ping' })).to.include({ ok: true });
    const ready = (await (await fetch(`${http!.url}/readyz`)).json()) as { checks: Record<string, { detail?: string }> };
    expect(ready.checks.breakglass?.detail).to.match(/last rejected feed message: .*upstream signature/);
  });

  it('when anyone but the upstream publishes on the feed, or anyone but governance reads it, the ACL refuses', async () => {
    const users: Record<string, AclUser> = {
      upstream: { username: 'upstream', role: 'upstream' },
      governance: { username: 'governance', role: 'governance' },
      gateway: { username: gw, role: 'gateway', gatewayId: gw },
      operator: { username: 'operator', role: 'client' },
    };
    const feed = topics.bgFeed(gw);
    expect(Object.entries(users).filter(([, u]) => mayPublish(u, feed)).map(([n]) => n)).to.deep.equal(['upstream']);
    expect(Object.entries(users).filter(([, u]) => maySubscribe(u, topics.bgFeedAll)).map(([n]) => n)).to.deep.equal(['governance']);
    expect(Object.entries(users).filter(([, u]) => mayPublish(u, topics.bgSync)).map(([n]) => n)).to.deep.equal(['governance']);
    expect(Object.entries(users).filter(([, u]) => maySubscribe(u, topics.bgSync)).map(([n]) => n)).to.deep.equal(['upstream']);
  });

  it('when a real Mosquitto runs the generated ACL, a gateway\'s publish on the feed never reaches governance and the upstream\'s does', async function () {
    if (!MOSQUITTO) return this.skip();
    const mq = await startMosquitto({ keysDir: cell.keysDir });
    const clients: MqttClient[] = [];
    try {
      const login = async (user: string) => {
        const c = await connectMqtt(mq.url, { username: user, password: cell.secret(user) });
        clients.push(c);
        return c;
      };
      const gov = await login('governance');
      const seen: string[] = [];
      gov.on('message', (_t, p) => seen.push(p.toString()));
      await subscribeStrict(gov, topics.bgFeedAll, 1);
      await (await login(gw)).publishAsync(topics.bgFeed(gw), 'from the gateway', { qos: 1 }).catch(() => undefined);
      await (await login('operator')).publishAsync(topics.bgFeed(gw), 'from the operator', { qos: 1 }).catch(() => undefined);
      await (await login('upstream')).publishAsync(topics.bgFeed(gw), 'from the upstream', { qos: 1 });
      await waitFor('the upstream message', () => (seen.includes('from the upstream') ? true : undefined), 5000);
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).to.deep.equal(['from the upstream']);
    } finally {
      for (const c of clients) await c.endAsync().catch(() => undefined);
      await mq.close();
    }
  });
});
