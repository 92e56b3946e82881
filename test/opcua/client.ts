/**
 * Test side of the OPC UA front: a plain node-opcua client (as an MES or
 * UaExpert would be) with its PKI in one temp folder per test process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/**
 * Makes node-opcua's PKI file watcher blind (polling every 10 minutes) for the certificate managers
 * created after this call, as a watcher that misses another process's `pki trust` would be; returns
 * what puts the environment back.
 */
export function blindPkiWatcher(): () => void {
  const saved = { OPCUA_PKI_USE_POLLING: process.env.OPCUA_PKI_USE_POLLING, OPCUA_PKI_POLLING_INTERVAL: process.env.OPCUA_PKI_POLLING_INTERVAL };
  process.env.OPCUA_PKI_USE_POLLING = 'true';
  process.env.OPCUA_PKI_POLLING_INTERVAL = '600000';
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** A self-signed certificate (DER) and its private key (PEM) named `name`, made by node-opcua's PKI under `root` (default: this process's client PKI). */
export async function selfSignedCertificate(name: string, root = clientPkiDir): Promise<{ certificateData: Buffer; privateKey: string }> {
  const folder = join(root, `user-${name}`);
  const cm = new OPCUACertificateManager({ rootFolder: folder });
  await cm.initialize();
  const file = join(folder, 'own', 'certs', `${name}.pem`);
  await cm.createSelfSignedCertificate({ outputFile: file, subject: `/CN=${name}`, applicationUri: `urn:taogate-test:user:${name}`, dns: [], startDate: new Date(Date.now() - 60_000), validity: 30 });
  await cm.dispose();
  const pem = readFileSync(file, 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return { certificateData: der, privateKey: readFileSync(join(folder, 'own', 'private', 'private_key.pem'), 'utf8') };
}

export interface ConnectOptions {
  /** A client application of its own: its name, and the folder of its PKI (made on first use). Default: the shared test application. */
  readonly application?: { readonly name: string; readonly pkiDir: string };
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
    applicationName: o.application?.name ?? TEST_APPLICATION,
    endpointMustExist: false,
    securityMode: o.mode ?? MessageSecurityMode.None,
    securityPolicy: policy,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    clientCertificateManager: o.application
      ? new OPCUACertificateManager({ rootFolder: o.application.pkiDir, automaticallyAcceptUnknownCertificate: true })
      : testCertificateManager(),
  });
  try {
    await client.connect(endpoint);
  } catch (err) {
    await client.disconnect();
    throw err;
  }
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
