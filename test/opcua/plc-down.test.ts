/**
 * The front starts without its PLC: it serves at once, the mirror says
 * BadWaitingForInitialData (never a made-up Good value), and close() does
 * not wait for a PLC that never answers.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpcuaFront } from '../../src/gateway/opcua/index.js';
import { findFreePort } from '../../src/gateway/opcua/free-port.js';
import type { Gate } from '../../src/gateway/gate/gate.js';
import { silentLogger } from '../../src/gateway/gate/ports.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { loadProfile, withDeviceOverrides } from '../../src/policy/index.js';
import type { OpcuaDevice } from '../../src/policy/types.js';
import { MessageSecurityMode, OPCUAClient } from 'node-opcua';
import { connect, TEST_APPLICATION, testCertificateManager } from './client.js';

describe('OPC UA front without its PLC', function () {
  // The demo profile's reactor logs in as `gateway` with KEYS/plc/reactor.secret.
  let keysDir: string;
  before(() => {
    keysDir = mkdtempSync(join(tmpdir(), 'taogate-plc-down-'));
    mkdirSync(join(keysDir, 'plc'));
    writeFileSync(join(keysDir, 'plc', 'reactor.secret'), 'unused\n', { mode: 0o600 });
  });
  after(() => rmSync(keysDir, { recursive: true, force: true }));

  it('when the PLC is unreachable it still serves, the mirror reads BadWaitingForInitialData, and close() returns promptly', async () => {
    const deadPort = await findFreePort('127.0.0.1');
    const profile = withDeviceOverrides(loadProfile(DEMO_PROFILE), { reactor: { endpoint: `opc.tcp://127.0.0.1:${deadPort}` } });
    const front = new OpcuaFront({ host: '127.0.0.1', port: 0, profile, devices: [profile.devices.get('reactor') as OpcuaDevice], plcConnectWaitMs: 200, allowSecurityNone: true, keysDir, log: silentLogger });
    try {
      const endpoint = await front.start({} as Gate); // no write reaches the gate in this test
      const client = await connect(endpoint);
      try {
        expect((await client.read('reactor.temp_sp')).statusCode.name).to.equal('BadWaitingForInitialData');
      } finally {
        await client.close();
      }
    } finally {
      const t = performance.now();
      await front.close();
      expect(performance.now() - t).to.be.lessThan(5000);
    }
  });

  it('when SecurityPolicy None is not allowed (the default outside the demo) no None endpoint is offered', async () => {
    const deadPort = await findFreePort('127.0.0.1');
    const profile = withDeviceOverrides(loadProfile(DEMO_PROFILE), { reactor: { endpoint: `opc.tcp://127.0.0.1:${deadPort}` } });
    const front = new OpcuaFront({ host: '127.0.0.1', port: 0, profile, devices: [profile.devices.get('reactor') as OpcuaDevice], plcConnectWaitMs: 200, keysDir, log: silentLogger });
    try {
      const endpoint = await front.start({} as Gate);
      const client = OPCUAClient.create({ applicationName: TEST_APPLICATION, endpointMustExist: false, connectionStrategy: { maxRetry: 0 }, clientCertificateManager: testCertificateManager() });
      await client.connect(endpoint);
      try {
        const modes = (await client.getEndpoints()).map((e) => e.securityMode);
        expect(modes.length).to.be.greaterThan(0);
        expect(modes).to.not.include(MessageSecurityMode.None);
      } finally {
        await client.disconnect();
      }
    } finally {
      await front.close();
    }
  });

  it('when the password file of the PLC login is missing the front still starts and the device is down, naming the file', async () => {
    const deadPort = await findFreePort('127.0.0.1');
    const profile = withDeviceOverrides(loadProfile(DEMO_PROFILE), { reactor: { endpoint: `opc.tcp://127.0.0.1:${deadPort}` } });
    const empty = mkdtempSync(join(tmpdir(), 'taogate-plc-nokeys-'));
    const front = new OpcuaFront({ host: '127.0.0.1', port: 0, profile, devices: [profile.devices.get('reactor') as OpcuaDevice], plcConnectWaitMs: 200, keysDir: empty, log: silentLogger });
    try {
      await front.start({} as Gate);
      const [reactor] = front.devices();
      expect(reactor).to.deep.include({ device: 'reactor', up: false });
      expect(reactor!.detail).to.contain(`password_file ${join(empty, 'plc', 'reactor.secret')}: no such file`);
    } finally {
      await front.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
