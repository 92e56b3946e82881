/**
 * Issue 4 acceptance flows against the gateway's OPC UA front, one suite
 * run per security setting (flows-none.test.ts, flows-secure.test.ts): a
 * real cell (broker, governance, gateway, OPC UA reactor simulator) on
 * loopback and a plain node-opcua client. The flows run in order on one
 * cell: each starts from the PLC state the previous one left.
 */
import { expect } from 'chai';
import { AttributeIds, DataType, StatusCodes } from 'node-opcua';
import { startCell, type Cell } from '../helpers/cell.js';
import { approve, pendingRequests, requestTao } from '../helpers/requests.js';
import { connect, type ConnectOptions, type UaClient } from './client.js';
import { bodyOf, eventually, head, since, sleep } from './ledger.js';

type Watch = Awaited<ReturnType<UaClient['watch']>>;

export function describeFlows(label: string, security: Pick<ConnectOptions, 'policy' | 'mode'>): void {
  describe(`OPC UA front flows over ${label}`, function () {
    let cell: Cell;
    let alice: UaClient;
    let watcher: UaClient;
    let sp: Watch;
    const refused: number[] = [];
    const plcWrites = () => cell.opcuaPlc!.writes();

    before(async () => {
      cell = await startCell({ opcua: true });
      alice = await connect(cell.opcuaEndpoint, { ...security, user: 'alice' });
      watcher = await connect(cell.opcuaEndpoint, security); // anonymous: may subscribe
      sp = await watcher.watch('reactor.temp_sp');
    });
    after(async () => {
      await alice?.close();
      await watcher?.close();
      await cell?.close();
    });

    /** A refused write: the PLC's write log does not grow and no subscriber ever sees the value. */
    async function expectUntouched(before: number, value: number): Promise<void> {
      refused.push(value);
      await sleep(150); // > 2 publishing intervals
      expect(plcWrites()).to.have.length(before);
      expect(sp.seen(value), `subscriber saw refused ${value}`).to.equal(false);
    }

    it('when alice sets reactor.temp_sp to 95 (from 80) it answers Good, the PLC has 95 and a subscriber sees 95', async () => {
      expect(alice.channel).to.deep.equal({ policy: security.policy, mode: security.mode });
      expect((await alice.read('reactor.temp_sp')).value.value).to.equal(80);
      const seq = head(cell);
      expect((await alice.write('reactor.temp_sp', DataType.Double, 95)).name).to.equal('Good');
      expect(cell.opcuaPlc!.value('reactor.temp_sp')).to.equal(95);
      expect(plcWrites().at(-1)).to.include({ tag: 'reactor.temp_sp', value: 95 });
      await sp.until(95);
      const committed = await eventually(async () => (await since(cell, seq)).find((r) => r.kind === 'committed'), 3000, 'committed receipt');
      expect(bodyOf(committed)).to.include({ actor: 'alice', protocol: 'opcua', target: 'reactor.temp_sp', value: '95', readback: '95' });
    });

    it('when an anonymous session writes it answers BadUserAccessDenied and the PLC and subscribers see nothing', async () => {
      const n = plcWrites().length;
      const seq = head(cell);
      expect((await watcher.write('reactor.temp_sp', DataType.Double, 96)).name).to.equal('BadUserAccessDenied');
      expect((await since(cell, seq)).map((r) => [r.kind, bodyOf(r).code])).to.deep.include(['denied', 'unknown_actor']);
      await expectUntouched(n, 96);
    });

    it('when alice writes 300 it answers BadOutOfRange and the PLC and subscribers see nothing', async () => {
      const n = plcWrites().length;
      expect((await alice.write('reactor.temp_sp', DataType.Double, 300)).name).to.equal('BadOutOfRange');
      await expectUntouched(n, 300);
    });

    it('when alice changes reactor.temp_sp by more than 25 (95 -> 125) it is refused and the PLC and subscribers see nothing', async () => {
      const n = plcWrites().length;
      const seq = head(cell);
      expect((await alice.write('reactor.temp_sp', DataType.Double, 125)).name).to.equal('BadOutOfRange');
      expect((await since(cell, seq)).map((r) => bodyOf(r).code)).to.include('step_too_large');
      await expectUntouched(n, 125);
    });

    it('when the value has the wrong DataType it answers BadTypeMismatch and the PLC sees nothing', async () => {
      const n = plcWrites().length;
      expect((await alice.write('reactor.temp_sp', DataType.Int32, 97)).name).to.equal('BadTypeMismatch');
      await expectUntouched(n, 97);
    });

    it('when a Write of three nodes has one out of limits it answers Good, BadOutOfRange, Good and forwards only the two', async () => {
      const n = plcWrites().length;
      const results = await alice.writeMany([
        { tag: 'reactor.temp_sp', dataType: DataType.Double, value: 100 },
        { tag: 'reactor.agitator_rpm', dataType: DataType.Int32, value: 900 },
        { tag: 'reactor.agitator_rpm', dataType: DataType.Int32, value: 240 },
      ]);
      expect(results.map((s) => s.name)).to.deep.equal(['Good', 'BadOutOfRange', 'Good']);
      expect(plcWrites().slice(n).map((w) => [w.tag, w.value])).to.have.deep.members([
        ['reactor.temp_sp', 100],
        ['reactor.agitator_rpm', 240],
      ]);
      expect(cell.opcuaPlc!.value('reactor.agitator_rpm')).to.equal(240);
    });

    it('when reactor.jacket_limit needs a supervisor it stays pending until carol approves, then alice writes it once', async () => {
      const n = plcWrites().length;
      expect((await alice.write('reactor.jacket_limit', DataType.Double, 150)).name).to.equal('BadUserAccessDenied');
      const request = (await pendingRequests(cell)).find((r) => r.actor === 'alice' && r.target === 'reactor.jacket_limit');
      expect(request, 'pending request').to.not.equal(undefined);
      expect((await alice.write('reactor.jacket_limit', DataType.Double, 150)).name).to.equal('BadUserAccessDenied'); // still pending
      // the requester approving her own request (with her own key) is refused
      expect(await approve(cell, request!.id, 'alice', { actorKey: true })).to.include({ ok: false, code: 'self_approval' });
      expect(plcWrites()).to.have.length(n);
      expect(await approve(cell, request!.id, 'carol')).to.include({ ok: true, status: 'approved' });
      expect((await alice.write('reactor.jacket_limit', DataType.Double, 150)).name).to.equal('Good');
      expect(cell.opcuaPlc!.value('reactor.jacket_limit')).to.equal(150);
      // once: the same write again needs a new approval
      expect((await alice.write('reactor.jacket_limit', DataType.Double, 150)).name).to.equal('BadUserAccessDenied');
      expect(plcWrites()).to.have.length(n + 1);
    });

    it('when opti presents a pre-issued TAO through PresentTAO its write consumes it, and presenting it again is refused', async () => {
      const answer = await requestTao(cell, 'opti', 'reactor.temp_sp', '110', { reason: 'energy optimum' });
      expect(answer.decision).to.equal('issue');
      const opti = await connect(cell.opcuaEndpoint, { ...security, user: 'opti' });
      try {
        // not alice's to present, and anonymous sessions may not present at all: refused before it is consumed
        const byAlice = await alice.present(answer.tao);
        expect([byAlice.statusCode.name, byAlice.outputArguments?.[1]?.value]).to.deep.equal(['BadUserAccessDenied', 'scope_mismatch']);
        const byAnon = await watcher.present(answer.tao);
        expect([byAnon.statusCode.name, byAnon.outputArguments?.[1]?.value]).to.deep.equal(['BadUserAccessDenied', 'unknown_actor']);

        const staged = await opti.present(answer.tao);
        expect(staged.statusCode.name).to.equal('Good');
        const jti = staged.outputArguments?.[0]?.value as string;
        expect(jti).to.match(/^[0-9a-f]{32}$/);
        const seq = head(cell);
        expect((await opti.write('reactor.temp_sp', DataType.Double, 110)).name).to.equal('Good');
        const intent = (await since(cell, seq)).find((r) => r.kind === 'intent')!;
        expect(bodyOf(intent)).to.include({ actor: 'opti', jti, path: 'staged' });
        expect(cell.opcuaPlc!.value('reactor.temp_sp')).to.equal(110);

        const again = await opti.present(answer.tao);
        expect([again.statusCode.name, again.outputArguments?.[1]?.value]).to.deep.equal(['BadUserAccessDenied', 'consumed']);
        const forged = await opti.present('{"payloadType":"x"}');
        expect(forged.statusCode.name).to.equal('BadUserAccessDenied');
      } finally {
        await opti.close();
      }
    });

    it('when alice calls StartBatch it is gated like a write and its receipt records the method and arguments', async () => {
      const calls = cell.opcuaPlc!.calls().length;
      const opti = await connect(cell.opcuaEndpoint, { ...security, user: 'opti' });
      try {
        // role: optimizers may not start batches
        expect((await opti.call('reactor.StartBatch', [{ dataType: DataType.String, value: 'R-9' }])).statusCode.name).to.equal('BadUserAccessDenied');
        expect(cell.opcuaPlc!.calls()).to.have.length(calls);
      } finally {
        await opti.close();
      }
      const seq = head(cell);
      const result = await alice.call('reactor.StartBatch', [{ dataType: DataType.String, value: 'R-42' }]);
      expect(result.statusCode.name).to.equal('Good');
      expect(String(result.outputArguments?.[0]?.value)).to.match(/^R-42-B\d+$/);
      expect(cell.opcuaPlc!.calls().at(-1)).to.include({ method: 'StartBatch', status: 'Good' });
      expect(cell.opcuaPlc!.calls().at(-1)!.args).to.deep.equal(['R-42']);
      const intent = (await since(cell, seq)).find((r) => r.kind === 'intent')!;
      expect(bodyOf(intent)).to.deep.include({ actor: 'alice', op: 'call', target: 'reactor.StartBatch', args: ['R-42'] });
      await eventually(async () => (await since(cell, seq)).find((r) => r.kind === 'committed'), 3000, 'committed call receipt');
      // arguments are checked against the signature before the gate: nothing reaches the PLC
      const wrong = await alice.call('reactor.StartBatch', [{ dataType: DataType.Int32, value: 7 }]);
      expect(wrong.statusCode.equals(StatusCodes.Good)).to.equal(false);
      expect(cell.opcuaPlc!.calls()).to.have.length(calls + 1);
    });

    it('when a client writes a node that is not a gated tag, or another attribute of one, it answers BadNotWritable', async () => {
      const n = plcWrites().length;
      const results = await alice.session.write([
        { nodeId: 'i=2994', attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Boolean, value: true } } }, // ServerDiagnostics.EnabledFlag
        { nodeId: 'ns=1;s=reactor.temp_sp', attributeId: AttributeIds.Description, value: { value: { dataType: DataType.LocalizedText, value: { text: 'x' } } } },
        { nodeId: 'ns=1;s=reactor.nope', attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 1 } } },
      ]);
      expect(results.map((s) => s.name)).to.deep.equal(['BadNotWritable', 'BadNotWritable', 'BadNodeIdUnknown']);
      expect(plcWrites()).to.have.length(n);
    });

    it('when all refusals are done no subscriber ever saw a refused value', () => {
      for (const v of refused) expect(sp.seen(v), `saw ${v}`).to.equal(false);
      expect(sp.values.every((dv) => dv.statusCode.isGood())).to.equal(true);
    });
  });
}
