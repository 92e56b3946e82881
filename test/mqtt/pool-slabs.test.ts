/**
 * mqtt-packet caches the encoded remaining length of every packet length it
 * writes (below 16,384) in slices of Node's shared 8 KB buffer pool; each
 * slice cached after the pool moved on keeps a whole slab alive. This grew
 * the gateway's memory with every new receipt-batch length. taogate's broker
 * and client fill that cache from consecutive pool memory at start
 * (src/mqtt/packet-length-cache.ts). Measured in child processes (a fresh
 * module cache each, and --expose-gc): the encoder alone, as mqtt.js and aedes
 * use it, keeps ~8 KB per new length; taogate's broker and client over real
 * sockets keep next to nothing.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const CHILD = fileURLToPath(new URL('./pool-slabs-child.ts', import.meta.url));
const SLAB = 8192;

async function retained(mode: 'raw' | 'product'): Promise<{ retainedBytes: number; lengths: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, mode], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { retainedBytes: number; lengths: number };
}

describe('mqtt: packet-length cache and the buffer pool', function () {
  this.timeout(90_000);

  it('the encoder alone keeps a pool slab alive for each new packet length (the mechanism this guards against)', async () => {
    const { retainedBytes, lengths } = await retained('raw');
    expect(retainedBytes, `${lengths} lengths`).to.be.at.least(0.9 * lengths * SLAB);
  });

  it("taogate's broker and client keep less than 64 KB of pool after 1,500 new lengths each way over 127.0.0.1", async () => {
    const { retainedBytes, lengths } = await retained('product');
    expect(lengths).to.equal(1500);
    expect(retainedBytes).to.be.below(64 * 1024);
  });
});
