/**
 * Issue 4 item 4: OPC UA audit events (OPC 10000-5 §6.4.27 AuditWriteUpdateEventType,
 * §6.4.28 AuditUpdateMethodEventType) raised on the Server object for every gated
 * Write and Call, with the TAO id as ClientAuditEntryId. Also: a method whose
 * profile asks for an approval is gated like a write that does.
 */
import { expect } from 'chai';
import { AttributeIds, ClientMonitoredItem, constructEventFilter, DataType, resolveNodeId, TimestampsToReturn, type Variant } from 'node-opcua';
import type { Profile } from '../../src/policy/types.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { approve, pendingRequests } from '../helpers/requests.js';
import { connect, type UaClient } from './client.js';
import { bodyOf, eventually, head, since } from './ledger.js';

const FIELDS = ['EventType', 'ClientAuditEntryId', 'ClientUserId', 'Status', 'SourceName', 'OldValue', 'NewValue', 'AttributeId', 'MethodId', 'InputArguments', 'Message'] as const;
type AuditEvent = Record<(typeof FIELDS)[number], unknown>;

const WRITE_EVENT = resolveNodeId('AuditWriteUpdateEventType').toString();
const METHOD_EVENT = resolveNodeId('AuditUpdateMethodEventType').toString();

/** reactor.Stop needs one supervisor's approval in this cell. */
function stopNeedsApproval(p: Profile): Profile {
  const methods = new Map(p.methods);
  const stop = methods.get('reactor.Stop')!;
  methods.set('reactor.Stop', { ...stop, approvals: { count: 1, roles: ['supervisor'] } });
  return { ...p, methods };
}

describe('OPC UA front: audit events and gated calls', function () {
  let cell: Cell;
  let alice: UaClient;
  let listener: UaClient;
  const events: AuditEvent[] = [];

  before(async () => {
    cell = await startCell({ opcua: true, editProfile: stopNeedsApproval });
    alice = await connect(cell.opcuaEndpoint, { user: 'alice' });
    listener = await connect(cell.opcuaEndpoint, { user: 'carol' });
    const sub = await listener.session.createSubscription2({ requestedPublishingInterval: 50, requestedMaxKeepAliveCount: 10, requestedLifetimeCount: 100, publishingEnabled: true });
    const item = ClientMonitoredItem.create(
      sub,
      { nodeId: 'i=2253', attributeId: AttributeIds.EventNotifier }, // the Server object
      { samplingInterval: 0, queueSize: 1000, discardOldest: false, filter: constructEventFilter([...FIELDS]) },
      TimestampsToReturn.Both,
    );
    item.on('changed', (values: Variant[]) => {
      const e = Object.fromEntries(FIELDS.map((f, i) => [f, values[i]?.value])) as AuditEvent;
      e.EventType = String(e.EventType);
      events.push(e);
    });
    await new Promise<void>((resolve) => item.once('initialized', () => resolve()));
  });
  after(async () => {
    await alice?.close();
    await listener?.close();
    await cell?.close();
  });

  const waitFor = (pred: (e: AuditEvent) => boolean, what: string) => eventually(() => events.find(pred), 3000, what);

  it('when alice writes a tag an AuditWriteUpdate event carries the TAO id recorded in the ledger, the user, old and new value', async () => {
    const seq = head(cell);
    expect((await alice.write('reactor.temp_sp', DataType.Double, 90)).name).to.equal('Good');
    const intent = (await since(cell, seq)).find((r) => r.kind === 'intent')!;
    const jti = bodyOf(intent).jti as string;
    const event = await waitFor((e) => e.EventType === WRITE_EVENT && e.ClientAuditEntryId === jti, 'audit write event');
    expect(event).to.include({ ClientUserId: 'alice', Status: true, SourceName: 'reactor.temp_sp', OldValue: 80, NewValue: 90, AttributeId: AttributeIds.Value });
  });

  it('when a write is refused the event has Status false and points at the denied receipt', async () => {
    const seq = head(cell);
    expect((await alice.write('reactor.temp_sp', DataType.Double, 300)).name).to.equal('BadOutOfRange');
    const denied = (await since(cell, seq)).find((r) => r.kind === 'denied')!;
    const event = await waitFor((e) => e.EventType === WRITE_EVENT && e.ClientAuditEntryId === `denied:${denied.seq}`, 'refused audit event');
    expect(event).to.include({ ClientUserId: 'alice', Status: false, NewValue: 300 });
    expect(String((event.Message as { text?: string }).text)).to.contain('out_of_range');
  });

  it('when alice calls StartBatch an AuditUpdateMethod event carries the TAO id, the method and its arguments', async () => {
    const seq = head(cell);
    expect((await alice.call('reactor.StartBatch', [{ dataType: DataType.String, value: 'R-7' }])).statusCode.name).to.equal('Good');
    const jti = bodyOf((await since(cell, seq)).find((r) => r.kind === 'intent')!).jti as string;
    const event = await waitFor((e) => e.EventType === METHOD_EVENT && e.ClientAuditEntryId === jti, 'audit method event');
    expect(event).to.include({ ClientUserId: 'alice', Status: true, SourceName: 'reactor.StartBatch' });
    expect(String(event.MethodId)).to.equal('ns=1;s=reactor.StartBatch');
    expect((event.InputArguments as Variant[]).map((v) => v.value)).to.deep.equal(['R-7']);
  });

  it('when a method needs a supervisor it stays pending until carol approves, then alice calls it once', async () => {
    const calls = cell.opcuaPlc!.calls().length;
    expect((await alice.call('reactor.Stop')).statusCode.name).to.equal('BadUserAccessDenied');
    const request = (await pendingRequests(cell)).find((r) => r.actor === 'alice' && r.target === 'reactor.Stop');
    expect(request, 'pending request').to.not.equal(undefined);
    expect(cell.opcuaPlc!.calls()).to.have.length(calls);
    expect(await approve(cell, request!.id, 'carol')).to.include({ ok: true });
    expect((await alice.call('reactor.Stop')).statusCode.name).to.equal('Good');
    expect(cell.opcuaPlc!.calls().at(-1)).to.include({ method: 'Stop', status: 'Good' });
    expect((await alice.call('reactor.Stop')).statusCode.name).to.equal('BadUserAccessDenied');
    expect(cell.opcuaPlc!.calls()).to.have.length(calls + 1);
  });
});
