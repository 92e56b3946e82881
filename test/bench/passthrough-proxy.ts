/**
 * The "proxy cost" baseline: a raw MBAP forwarding proxy built from the
 * gateway's own framing (FrameReader) and PLC connection pool (TcpPool,
 * the one the Modbus front uses), with no gate. Every frame (read or write) is forwarded as received; answers go
 * back in order per connection, like the Modbus front does. Bench-only: it
 * separates the cost of proxying from the cost of gating.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameReader } from '../../src/devices/modbus/mbap.js';
import { TcpPool } from '../../src/devices/modbus/tcp-pool.js';

export interface PassthroughProxy {
  readonly port: number;
  close(): Promise<void>;
}

export async function startPassthroughProxy(plcHost: string, plcPort: number): Promise<PassthroughProxy> {
  const sockets = new Set<Socket>();
  const pool = new TcpPool({ host: plcHost, port: plcPort, maxConnections: 4, timeoutMs: 2000 });
  const server: Server = createServer({ noDelay: true }, (socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    const reader = new FrameReader();
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      const { frames, error } = reader.push(chunk);
      for (const f of frames) {
        chain = chain.then(() =>
          pool.request(f.unit, f.pdu).then(
            (answer) => void (!socket.destroyed && socket.write(encodeFrame(f.tid, f.unit, answer))),
            () => void socket.destroy(),
          ),
        );
      }
      if (error) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        pool.close();
        server.close(() => resolve());
      }),
  };
}
