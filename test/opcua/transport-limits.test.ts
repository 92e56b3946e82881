/**
 * The gateway's OPC UA chunk buffers are bounded (src/devices/opcua/transport-limits.ts:
 * 16 KiB instead of node-opcua's 512-640 KiB, which cost a full GC every ~13 writes):
 * a message larger than one chunk still passes, in several chunks, both on the
 * front (a client asking for node-opcua's default 640 KiB buffers) and on the
 * gateway's secured session to the PLC.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, DataType, StatusCodes, Variant } from 'node-opcua';
import { startOpcuaSim } from '../../simulators/opcua/index.js';
import { DEMO_PROFILE } from '../../src/cli/profile-source.js';
import { ensureClientCertificate, OpcuaPlcSession } from '../../src/devices/opcua/index.js';
import { addTrustedCertificate } from '../../src/devices/opcua/pki-folder.js';
import { CHUNK_BUFFER_BYTES } from '../../src/devices/opcua/transport-limits.js';
import { loadProfile } from '../../src/policy/index.js';
import type { OpcuaDevice } from '../../src/policy/types.js';
import { startCell, type Cell } from '../helpers/cell.js';
import { connect, node, type UaClient } from './client.js';

describe('OPC UA: bounded chunk buffers still carry large messages', function () {
  this.timeout(120_000);
  let cell: Cell;
  let client: UaClient;

  before(async () => {
    cell = await startCell({ opcua: true });
    client = await connect(cell.opcuaEndpoint);
  });
  after(async () => {
    await client?.close();
    await cell?.close();
  });

  it('when a client reads one tag 3,000 times in one request the answer spans several chunks and every value comes back Good', async () => {
    const n = 3000;
    const results = await client.session.read(Array.from({ length: n }, () => ({ nodeId: node('reactor.temp_sp'), attributeId: AttributeIds.Value })));
    expect(results).to.have.length(n);
    // Each DataValue of a Double is at least 9 bytes on the wire: the response is larger than one chunk.
    expect(n * 9).to.be.greaterThan(CHUNK_BUFFER_BYTES);
    for (const r of results) {
      expect(r.statusCode.value).to.equal(StatusCodes.Good.value);
      expect(r.value.value).to.equal(80);
    }
  });

  it("when the gateway's secured PLC session sends one write request larger than one chunk, the PLC applies it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taogate-chunks-'));
    const gatewayPki = join(dir, 'plc-client');
    const sim = await startOpcuaSim({ port: 0, pkiDir: join(dir, 'plc'), security: { users: { gateway: 'plc-pass' }, trustedClientCertificates: [await ensureClientCertificate(gatewayPki)] } });
    addTrustedCertificate(gatewayPki, sim.certificateFile);
    writeFileSync(join(dir, 'reactor.secret'), 'plc-pass\n', { mode: 0o600 });
    const profile = loadProfile(DEMO_PROFILE);
    const device: OpcuaDevice = { ...(profile.devices.get('reactor') as OpcuaDevice), endpoint: sim.endpoint, identity: { kind: 'user', user: 'gateway', passwordFile: 'reactor.secret' } };
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const session = new OpcuaPlcSession({ device, tags: [], pkiDir: gatewayPki, keysDir: dir, log: quiet, onValue: () => {}, onLost: () => {} });
    try {
      await session.start(30_000);
      // 2,000 WriteValues of a Double: well over 16 KiB in one request, sent signed and encrypted in several chunks.
      const n = 2000;
      const writes = Array.from({ length: n }, (_, i) => ({ nodeId: node('reactor.temp_sp'), value: new Variant({ dataType: DataType.Double, value: i === n - 1 ? 81 : 80 }) }));
      expect(n * 20).to.be.greaterThan(CHUNK_BUFFER_BYTES);
      const statuses = await session.write(writes);
      expect(statuses).to.have.length(n);
      for (const st of statuses) expect(st.value).to.equal(StatusCodes.Good.value);
      expect(sim.value('reactor.temp_sp')).to.equal(81);
    } finally {
      await session.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
