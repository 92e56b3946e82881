/**
 * The "proxy cost" baseline: a raw MBAP forwarding proxy built from the
 * gateway's own framing (FrameReader) and PLC connection (PlcLink), with no
 * gate. Every frame (read or write) is forwarded as received; answers go
 * back in order per connection, like the Modbus front does. Bench-only: it
 * separates the cost of proxying from the cost of gating.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { FrameReader } from '../../src/gateway/modbus/mbap.js';
import { PlcLink } from '../../src/gateway/modbus/plc-link.js';

export interface PassthroughProxy {
  readonly port: number;
  close(): Promise<void>;
}

export async function startPassthroughProxy(plcHost: string, plcPort: number): Promise<PassthroughProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    const link = new PlcLink(plcHost, plcPort);
    const reader = new FrameReader();
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      const { frames, error } = reader.push(chunk);
      for (const f of frames) {
        chain = chain.then(() =>
          link.send(f.raw).then(
            (answer) => void (!socket.destroyed && socket.write(answer.raw)),
            () => void socket.destroy(),
          ),
        );
      }
      if (error) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      void chain.then(() => link.close());
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
        server.close(() => resolve());
      }),
  };
}
