/**
 * Test side of the OPC UA front: a plain node-opcua client (as an MES or
 * UaExpert would be) with its PKI in one temp folder per test process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttributeIds,
  ClientMonitoredItem,
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
  type CallMethodResult,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type StatusCode,
  type UserIdentityInfo,
} from 'node-opcua';

export const clientPkiDir = mkdtempSync(join(tmpdir(), 'taogate-opcua-front-test-'));
process.once('exit', () => rmSync(clientPkiDir, { recursive: true, force: true }));

/** One application name for every test client: the certificate is made once, for this name. */
export const TEST_APPLICATION = 'taogate-front-test';

export function testCertificateManager(): OPCUACertificateManager {
  return new OPCUACertificateManager({ rootFolder: join(clientPkiDir, 'client'), automaticallyAcceptUnknownCertificate: true });
}

export interface ConnectOptions {
  readonly user?: string;
  readonly password?: string;
  readonly x509?: { certificateData: Buffer; privateKey: string };
  readonly policy?: SecurityPolicy;
  readonly mode?: MessageSecurityMode;
}

export interface UaClient {
  readonly session: ClientSession;
  /** What the secure channel actually negotiated. */
  readonly channel: { policy: string; mode: MessageSecurityMode };
  read(tag: string): Promise<DataValue>;
  write(tag: string, dataType: DataType, value: unknown): Promise<StatusCode>;
  writeMany(nodes: { tag: string; dataType: DataType; value: unknown }[]): Promise<StatusCode[]>;
  call(method: string, args?: { dataType: DataType; value: unknown }[], objectId?: string): Promise<CallMethodResult>;
  present(envelope: unknown): Promise<CallMethodResult>;
  /** Records every value a subscriber on the gateway sees for the tag. */
  watch(tag: string): Promise<{ values: DataValue[]; seen(v: unknown): boolean; until(v: unknown, ms?: number): Promise<void> }>;
  close(): Promise<void>;
}

export const node = (tag: string) => `ns=1;s=${tag}`;

export async function connect(endpoint: string, o: ConnectOptions = {}): Promise<UaClient> {
  const policy = o.policy ?? SecurityPolicy.None;
  const client = OPCUAClient.create({
    applicationName: TEST_APPLICATION,
    endpointMustExist: false,
    securityMode: o.mode ?? MessageSecurityMode.None,
    securityPolicy: policy,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    clientCertificateManager: testCertificateManager(),
  });
  await client.connect(endpoint);
  const identity: UserIdentityInfo = o.x509
    ? { type: UserTokenType.Certificate, certificateData: o.x509.certificateData, privateKey: o.x509.privateKey }
    : o.user
      ? { type: UserTokenType.UserName, userName: o.user, password: o.password ?? `${o.user}-demo` }
      : { type: UserTokenType.Anonymous };
  let session: ClientSession;
  try {
    session = await client.createSession(identity);
  } catch (err) {
    await client.disconnect();
    throw err;
  }
  const subscriptions: ClientSubscription[] = [];
  return {
    session,
    channel: { policy: client.securityPolicy, mode: client.securityMode },
    read: (tag) => session.read({ nodeId: node(tag), attributeId: AttributeIds.Value }),
    write: (tag, dataType, value) => session.write({ nodeId: node(tag), attributeId: AttributeIds.Value, value: { value: { dataType, value } } }),
    writeMany: (nodes) => session.write(nodes.map((n) => ({ nodeId: node(n.tag), attributeId: AttributeIds.Value, value: { value: { dataType: n.dataType, value: n.value } } }))),
    call: (method, args = [], objectId = node(method.slice(0, method.indexOf('.')))) => session.call({ objectId, methodId: node(method), inputArguments: args }),
    present: (envelope) =>
      session.call({ objectId: node('taogate'), methodId: node('taogate.PresentTAO'), inputArguments: [{ dataType: DataType.String, value: typeof envelope === 'string' ? envelope : JSON.stringify(envelope) }] }),
    async watch(tag) {
      const sub = await session.createSubscription2({ requestedPublishingInterval: 50, requestedMaxKeepAliveCount: 10, requestedLifetimeCount: 100, publishingEnabled: true });
      subscriptions.push(sub);
      const values: DataValue[] = [];
      const item = ClientMonitoredItem.create(sub, { nodeId: node(tag), attributeId: AttributeIds.Value }, { samplingInterval: 0, queueSize: 100, discardOldest: false }, TimestampsToReturn.Both);
      item.on('changed', (dv: DataValue) => values.push(dv));
      await new Promise<void>((resolve) => item.once('initialized', () => resolve()));
      const seen = (v: unknown) => values.some((dv) => dv.value.value === v);
      return {
        values,
        seen,
        async until(v, ms = 3000) {
          const end = Date.now() + ms;
          while (!seen(v)) {
            if (Date.now() > end) throw new Error(`subscriber did not see ${String(v)} on ${tag} within ${ms} ms; saw ${values.map((d) => String(d.value.value)).join(', ')}`);
            await new Promise((r) => setTimeout(r, 20));
          }
        },
      };
    },
    async close() {
      for (const s of subscriptions) await s.terminate().catch(() => undefined);
      await session.close().catch(() => undefined);
      await client.disconnect();
    },
  };
}
