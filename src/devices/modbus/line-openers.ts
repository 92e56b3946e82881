/**
 * Opening the byte stream under an RTU line: a serial port (the
 * `serialport` package; exclusive lock, so two processes never share a
 * line) or a TCP socket to a serial-to-Ethernet converter.
 */
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SerialSettings } from '../../policy/types.js';

export function serialOpener(s: SerialSettings): () => Promise<Duplex> {
  return async () => {
    const { SerialPort } = await import('serialport');
    return new Promise<Duplex>((resolve, reject) => {
      const port = new SerialPort(
        { path: s.path, baudRate: s.baud, parity: s.parity, dataBits: s.dataBits, stopBits: s.stopBits, autoOpen: false, lock: true },
      );
      port.open((err) => (err ? reject(new Error(err.message.replace(/^Error: /, ''))) : resolve(port)));
    });
  };
}

export function tcpOpener(host: string, port: number, timeoutMs: number): () => Promise<Duplex> {
  return () =>
    new Promise<Duplex>((resolve, reject) => {
      const s = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => s.destroy(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
    });
}
