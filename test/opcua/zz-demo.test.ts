import { expect } from 'chai';
import { DataType, MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import { connect } from './client.js';
describe('demo', () => { it('writes through the demo', async () => {
  const a = await connect('opc.tcp://127.0.0.1:25122', { user: 'alice', policy: SecurityPolicy.Aes256_Sha256_RsaPss, mode: MessageSecurityMode.SignAndEncrypt });
  console.log((await a.read('reactor.temp_sp')).value.value, (await a.write('reactor.temp_sp', DataType.Double, 95)).name, (await a.write('reactor.temp_sp', DataType.Double, 300)).name);
  await a.close();
}); });
