/** Text for `taogate sim opcua --help`. Imports no node-opcua (fast --help). */
import { METHODS, REACTOR_NAMESPACE_INDEX, TAGS, tagNodeId } from './tags.js';

export function describeOpcuaSim(): string {
  const pad = Math.max(...TAGS.map((t) => tagNodeId(t.tag).length));
  const lines = [
    'OPC UA reactor PLC simulator',
    '  Open (default): Security None, anonymous sessions. Hardened (--user): Basic256Sha256,',
    '  Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss with Sign or SignAndEncrypt, user login only,',
    '  client certificates only from PKI/server/trusted/certs. Listens on 127.0.0.1 by default.',
    '  Analog tags carry EngineeringUnits and EURange.',
    `  Namespace ${REACTOR_NAMESPACE_INDEX}, object Objects/Reactor:`,
    '',
    '  Variables:',
    ...TAGS.map(
      (t) =>
        `    ${tagNodeId(t.tag).padEnd(pad)}  ${t.dataType.padEnd(6)}  ${t.writable ? 'read/write' : 'read-only '}  ${t.description}`,
    ),
    '',
    '  Methods (on ns=1;s=reactor):',
    ...METHODS.map((m) => `    ${m.nodeId}  ${m.signature}: ${m.description}`),
    '',
    '  Writes of the wrong DataType get BadTypeMismatch; writes to read-only tags get BadNotWritable.',
    '  Every applied write and every call is logged (append-only JSON lines with --log FILE).',
  ];
  return lines.join('\n');
}
