/**
 * A TCP proxy between the gateway and a Modbus TCP PLC that makes the PLC
 * answer late: requests are forwarded at once (the PLC applies them), and
 * answers are held back by `delayMs` when `holds(answer)` says so. This is
 * the "PLC that answers late or never" of the fault tests.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface DelayProxy {
  readonly port: number;
  /** How long held answers wait (ms); change it at any time. */
  delayMs: number;
  /** Which answers are held: by default none. `fc` is the answer's function code, `sinceWrite` whether a write (FC 5/6/15/16/22/23) went through this proxy before. */
  holds: (answer: { fc: number; sinceWrite: boolean }) => boolean;
  /** Set when a write request passes; clear it to arm `sinceWrite` for the next write. */
  writeSeen: boolean;
  close(): Promise<void>;
}

const WRITES = new Set([5, 6, 15, 16, 22, 23]);

export async function startDelayProxy(plcPort: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const proxy: DelayProxy = {
    port: 0,
    delayMs: 0,
    holds: () => false,
    writeSeen: false,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((client) => {
    const plc = connect({ host: '127.0.0.1', port: plcPort });
    sockets.add(client).add(plc);
    client.on('data', (chunk: Buffer) => {
      if (chunk.length > 7 && WRITES.has(chunk[7]!)) proxy.writeSeen = true;
      plc.write(chunk);
    });
    plc.on('data', (chunk: Buffer) => {
      const fc = chunk.length > 7 ? chunk[7]! & 0x7f : 0;
      if (proxy.holds({ fc, sinceWrite: proxy.writeSeen })) setTimeout(() => !client.destroyed && client.write(chunk), proxy.delayMs);
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      plc.destroy();
    };
    client.on('close', end).on('error', end);
    plc.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  (proxy as { port: number }).port = typeof addr === 'object' && addr ? addr.port : 0;
  return proxy;
}
