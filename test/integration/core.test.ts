/**
 * Issue 2 acceptance, end to end in one process: real aedes broker on
 * loopback, governance node, gateway with a real LevelDB ledger in a temp
 * dir. Writes enter the gate as protocol-free WriteRequests.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fromB64 } from '../../src/crypto/encoding.js';
import { nobleVerify } from '../../src/crypto/noble.js';
import { verifyEd25519 } from '../../src/crypto/ed25519.js';
import type { WriteRequest } from '../../src/gateway/gate/types.js';
import { pae, type Envelope } from '../../src/tao/envelope.js';
import { verifyTao } from '../../src/tao/verify.js';
import type { TaoPayload } from '../../src/tao/payload.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { approve, pendingRequests, present, requestTao } from '../helpers/requests.js';

function write(actor: string | null, target: string, value: string): WriteRequest {
  return { id: randomUUID(), protocol: 'cli', source: 'test', actor, op: 'write', target, value };
}

function payloadOf(env: Envelope): TaoPayload {
  return JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as TaoPayload;
}

async function receipts(cell: Cell) {
  const out = [];
  for await (const r of cell.gateway.ledger.iterate()) out.push(r);
  return out;
}

describe('core: governance, gate and ledger over a real broker', function () {
  let cell: Cell;
  beforeEach(async () => {
    cell = await startCell({ modbus: true });
  });
  afterEach(async () => {
    await cell.close();
  });

  it('when a proposal is within policy it issues a TAO that verifies under node:crypto and @noble/ed25519', async () => {
    const answer = await requestTao(cell, 'optimizer-1', 'skid.flow_sp', '60', { reason: 'energy optimum' });
    expect(answer.decision).to.equal('issue');
    const env = answer.tao as Envelope;
    const gov = cell.trust.byName('governance', 'governance')!;
    const message = pae(env.payloadType, fromB64(env.payload));
    const sig = fromB64(env.signatures[0]!.sig);
    expect(verifyEd25519(gov.publicKey, message, sig)).to.equal(true);
    expect(nobleVerify(gov.publicKey, message, sig)).to.equal(true);
    const p = payloadOf(env);
    expect(p).to.include({ sub: 'optimizer-1', aud: 'gw-cell-1', role: 'optimizer', kind: 'ai', policy: cell.profile.policyHash });
    expect(p.scope).to.deep.equal({ op: 'write', target: 'skid.flow_sp', value: '60' });
  });

  it('when the policy refuses, governance answers the stable code', async () => {
    expect((await requestTao(cell, 'optimizer-1', 'skid.flow_sp', '500')).code).to.equal('out_of_range');
    expect((await requestTao(cell, 'optimizer-1', 'skid.pressure_max', '500')).code).to.equal('role_not_allowed');
    expect((await requestTao(cell, 'optimizer-1', 'skid.nope', '1')).code).to.equal('unknown_tag');
    expect((await requestTao(cell, 'optimizer-1', 'skid.flow_sp', 'abc')).code).to.equal('type_mismatch');
    // hmi-1's key cannot ask on behalf of optimizer-1
    expect((await requestTao(cell, 'optimizer-1', 'skid.flow_sp', '60', { signAs: 'hmi-1' })).code).to.equal('not_authenticated');
  });

  it('when a write is authorized inline it consumes the TAO in the same batch as a signed intent receipt', async () => {
    const verdict = await cell.gateway.gate.authorize(write('hmi-1', 'skid.flow_sp', '42.5'));
    expect(verdict.allowed).to.equal(true);
    if (!verdict.allowed) return;
    expect(await cell.gateway.ledger.isConsumed(verdict.ticket.jti)).to.equal(true);
    await verdict.ticket.committed({ readback: '42.5' });
    const rs = await receipts(cell);
    const intent = rs.find((r) => r.kind === 'intent')!;
    const committed = rs.find((r) => r.kind === 'committed')!;
    expect(intent.body).to.include({ actor: 'hmi-1', target: 'skid.flow_sp', value: '42.5', jti: verdict.ticket.jti });
    expect(committed.body).to.include({ intent: intent.seq, readback: '42.5' });
    expect(committed.seq).to.be.greaterThan(intent.seq);
  });

  it('when the writer is not a profile actor it is refused unknown_actor with a denied receipt', async () => {
    const verdict = await cell.gateway.gate.authorize(write(null, 'skid.flow_sp', '42.5'));
    expect(verdict).to.include({ allowed: false, code: 'unknown_actor' });
    expect((await receipts(cell)).some((r) => r.kind === 'denied' && (r.body as { code?: string }).code === 'unknown_actor')).to.equal(true);
  });

  it('when a TAO is presented twice it is refused consumed: before use, after use and after a gateway restart', async () => {
    const answer = await requestTao(cell, 'optimizer-1', 'skid.flow_sp', '60');
    const env = answer.tao as Envelope;
    expect((await present(cell, env)).ok).to.equal(true);
    expect(await present(cell, env)).to.include({ ok: false, code: 'consumed' });

    const verdict = await cell.gateway.gate.authorize(write('optimizer-1', 'skid.flow_sp', '60'));
    expect(verdict.allowed).to.equal(true);
    if (verdict.allowed) {
      expect(verdict.ticket.jti).to.equal(payloadOf(env).jti);
      await verdict.ticket.committed();
    }
    expect(await present(cell, env)).to.include({ ok: false, code: 'consumed' });
    // the staged TAO is gone: a second identical write needs a new TAO (inline here)
    const second = await cell.gateway.gate.authorize(write('optimizer-1', 'skid.flow_sp', '60'));
    if (second.allowed) expect(second.ticket.jti).to.not.equal(payloadOf(env).jti);

    await cell.restartGateway();
    expect(await present(cell, env)).to.include({ ok: false, code: 'consumed' });
  });

  it('when a staged TAO survives a restart it is still usable once', async () => {
    const env = (await requestTao(cell, 'optimizer-1', 'skid.flow_sp', '50')).tao as Envelope;
    expect((await present(cell, env)).ok).to.equal(true);
    await cell.restartGateway();
    expect(cell.gateway.gate.staged.size).to.equal(1);
    await cell.stopGovernance(); // the staged TAO needs no governance round trip
    const verdict = await cell.gateway.gate.authorize(write('optimizer-1', 'skid.flow_sp', '50'));
    expect(verdict.allowed, JSON.stringify(verdict)).to.equal(true);
  });

  it('when a staged TAO expires unused it is voided with a receipt', async () => {
    // mint a 1-second TAO with the governance key, as governance would
    const { mintTao } = await import('../../src/governance/mint.js');
    const { readPrivateKeyFile } = await import('../../src/crypto/keyfile.js');
    const { keyPaths } = await import('../../src/cli/paths.js');
    const profile = { ...cell.profile, defaults: { ...cell.profile.defaults, taoTtlS: 1 } };
    const { envelope, payload } = mintTao({
      profile,
      signer: readPrivateKeyFile(keyPaths(cell.keysDir).governance).signer,
      issuer: 'governance',
      aud: 'gw-cell-1',
      actor: cell.profile.actors.get('optimizer-1')!,
      proposal: { actor: 'optimizer-1', op: 'write', target: 'skid.flow_sp', value: '33' },
      nowMs: Date.now(),
    });
    expect((await present(cell, envelope)).ok).to.equal(true);
    await new Promise((r) => setTimeout(r, 2200));
    await cell.gateway.gate.sweepStaged();
    const voided = (await receipts(cell)).find((r) => r.kind === 'voided' && (r.body as { jti?: string }).jti === payload.jti);
    expect(voided, 'voided receipt').to.not.equal(undefined);
    expect(cell.gateway.gate.staged.size).to.equal(0);
    expect(await present(cell, envelope)).to.include({ ok: false });
  });

  it('when a tag needs a supervisor it stays pending until bob approves, then the TAO carries the approval and verifies offline', async () => {
    const first = await cell.gateway.gate.authorize(write('hmi-1', 'skid.pressure_max', '500'));
    expect(first).to.include({ allowed: false, code: 'approval_pending' });
    const id = (first as { request?: string }).request!;
    const listed = await pendingRequests(cell);
    expect(listed.map((r) => r.id)).to.include(id);
    expect(listed.find((r) => r.id === id)).to.include({ actor: 'hmi-1', target: 'skid.pressure_max', value: '500', have: 0, need: 1 });

    // still pending on a retry before approval
    expect(await cell.gateway.gate.authorize(write('hmi-1', 'skid.pressure_max', '500'))).to.include({ code: 'approval_pending', request: id });
    // the requester cannot approve their own request
    expect(await approve(cell, id, 'hmi-1', { actorKey: true })).to.include({ ok: false, code: 'self_approval' });

    expect(await approve(cell, id, 'bob')).to.include({ ok: true, status: 'approved' });
    expect(await approve(cell, id, 'carol')).to.include({ ok: false, code: 'unknown_request' });

    const allowed = await cell.gateway.gate.authorize(write('hmi-1', 'skid.pressure_max', '500'));
    expect(allowed.allowed).to.equal(true);
    if (!allowed.allowed) return;
    await allowed.ticket.committed();
    const intent = (await receipts(cell)).find((r) => r.kind === 'intent')!;
    const tao = (intent.body as unknown as { tao: Envelope }).tao;
    expect(payloadOf(tao).approvals.map((a) => a.approver)).to.deep.equal(['bob']);
    // offline: only the trust store, the approval rule and the write
    const offline = await verifyTao(tao, {
      trust: cell.trust,
      nowSeconds: Math.floor(Date.now() / 1000),
      audience: 'gw-cell-1',
      skewSeconds: 5,
      policyHash: cell.profile.policyHash,
      approvalRule: { count: 1, roles: ['supervisor'] },
      expect: { sub: 'hmi-1', op: 'write', target: 'skid.pressure_max', value: '500' },
      impl: 'noble',
    });
    expect(offline.ok, JSON.stringify(offline)).to.equal(true);

    // exactly once: the same write again opens a new request
    const again = await cell.gateway.gate.authorize(write('hmi-1', 'skid.pressure_max', '500'));
    expect(again).to.include({ allowed: false, code: 'approval_pending' });
    expect((again as { request?: string }).request).to.not.equal(id);
  });

  it('when governance restarts, a pending request and the approvals it already has survive', async () => {
    const first = await cell.gateway.gate.authorize(write('hmi-1', 'skid.pressure_max', '550'));
    const id = (first as { request?: string }).request!;
    expect(id).to.be.a('string');
    await cell.stopGovernance();
    await cell.startGovernance();
    expect((await pendingRequests(cell)).map((r) => r.id)).to.include(id);
    expect(await approve(cell, id, 'carol')).to.include({ ok: true, status: 'approved' });
    await cell.stopGovernance();
    await cell.startGovernance();
    const allowed = await cell.gateway.gate.authorize(write('hmi-1', 'skid.pressure_max', '550'));
    expect(allowed.allowed, JSON.stringify(allowed)).to.equal(true);
    if (allowed.allowed) await allowed.ticket.committed();
  });

  it('when a supervisor rejects, the next attempt is denied approval_rejected', async () => {
    const first = await cell.gateway.gate.authorize(write('hmi-1', 'skid.pressure_max', '400'));
    const id = (first as { request?: string }).request!;
    expect(await approve(cell, id, 'carol', { decision: 'reject', reason: 'pressure test not done' })).to.include({ ok: true, status: 'rejected' });
    expect(await cell.gateway.gate.authorize(write('hmi-1', 'skid.pressure_max', '400'))).to.include({ allowed: false, code: 'approval_rejected' });
  });

  it('when governance is stopped the gate refuses within its deadline (fail closed), and works again when it returns', async () => {
    await cell.stopGovernance();
    const started = performance.now();
    const verdict = await cell.gateway.gate.authorize(write('hmi-1', 'skid.flow_sp', '40'));
    const elapsed = performance.now() - started;
    expect(verdict).to.include({ allowed: false, code: 'governance_timeout' });
    expect(elapsed).to.be.lessThan(cell.profile.defaults.governanceDeadlineMs + 1500);
    expect((await receipts(cell)).filter((r) => r.kind === 'intent')).to.have.length(0);
    await cell.startGovernance();
    expect((await cell.gateway.gate.authorize(write('hmi-1', 'skid.flow_sp', '40'))).allowed).to.equal(true);
  });

  it('when governance answers after the deadline the late decision is discarded and nothing is consumed', async () => {
    // a slow stand-in governance: same credentials, answers after 1.5 s with a real TAO
    await cell.stopGovernance();
    const { connectMqtt, serveRequests, topics } = await import('../../src/mqtt/index.js');
    const { Governance } = await import('../../src/governance/governance.js');
    const { readPrivateKeyFile } = await import('../../src/crypto/keyfile.js');
    const { keyPaths } = await import('../../src/cli/paths.js');
    const gov = new Governance({ profile: cell.profile, trust: cell.trust, signer: readPrivateKeyFile(keyPaths(cell.keysDir).governance).signer });
    const client = await connectMqtt(cell.broker.url, { username: 'governance', password: cell.secret('governance') });
    let answered = 0;
    const server = await serveRequests(client, topics.proposeAll, async (body) => {
      const msg = (body as { msg?: { proposal?: never } }).msg;
      if (!msg?.proposal) return { ok: true };
      await new Promise((r) => setTimeout(r, 1500));
      answered += 1;
      return gov.decide(msg.proposal, 'gw-cell-1');
    });
    try {
      const verdict = await cell.gateway.gate.authorize(write('hmi-1', 'skid.flow_sp', '41'));
      expect(verdict).to.include({ allowed: false, code: 'governance_timeout' });
      await new Promise((r) => setTimeout(r, 1800));
      expect(answered).to.be.greaterThan(0);
      expect((await receipts(cell)).filter((r) => r.kind === 'intent')).to.have.length(0);
    } finally {
      await server.close();
      await client.endAsync();
    }
  });
});
