/**
 * Test helper: a plain node-opcua client (Security None, anonymous) against
 * the reactor simulator, with its PKI in a temp folder (not $HOME/.config).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttributeIds,
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  type ClientSession,
  type DataValue,
  type StatusCode,
} from 'node-opcua';

export interface TestClient {
  session: ClientSession;
  read(nodeId: string): Promise<DataValue>;
  write(nodeId: string, dataType: DataType, value: unknown): Promise<StatusCode>;
  close(): Promise<void>;
}

/** One temp folder per test process for the test-side PKI (sim and client). */
export const testPkiDir = mkdtempSync(join(tmpdir(), 'taogate-opcua-test-pki-'));
process.once('exit', () => rmSync(testPkiDir, { recursive: true, force: true }));

export async function connectClient(endpoint: string): Promise<TestClient> {
  const client = OPCUAClient.create({
    applicationName: 'taogate-opcua-sim-test',
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(testPkiDir, 'client') }),
  });
  await client.connect(endpoint);
  const session = await client.createSession();
  return {
    session,
    read: (nodeId) => session.read({ nodeId, attributeId: AttributeIds.Value }),
    write: (nodeId, dataType, value) =>
      session.write({ nodeId, attributeId: AttributeIds.Value, value: { value: { dataType, value } } }),
    close: async () => {
      await session.close().catch(() => undefined);
      await client.disconnect();
    },
  };
}
