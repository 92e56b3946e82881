/**
 * Direct FC 16 write latency to the simulator with modbus-serial (printed,
 * not asserted): the baseline a gateway's overhead is measured against.
 */
import { startModbusSim } from '../../simulators/modbus/index.js';
import { closeClient, floatWords, modbusClient } from './modbus-helpers.js';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe('modbus sim: latency', () => {
  it('measures 500 sequential FC 16 writes of flow_sp (printed, not asserted)', async () => {
    const sim = await startModbusSim();
    const client = await modbusClient(sim.port);
    try {
      for (let i = 0; i < 50; i++) await client.writeRegisters(100, floatWords(i)); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < 500; i++) {
        const t = process.hrtime.bigint();
        await client.writeRegisters(100, floatWords(30 + (i % 60)));
        samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      if (sim.stats().requests !== 550 || sim.writes().length !== 550) throw new Error('not every write reached the simulator');
      samples.sort((a, b) => a - b);
      const f = (x: number): string => x.toFixed(3);
      console.log(`      modbus sim direct FC16 write: median ${f(quantile(samples, 0.5))} ms, p90 ${f(quantile(samples, 0.9))} ms, p99 ${f(quantile(samples, 0.99))} ms (n=${samples.length})`);
    } finally {
      await closeClient(client);
      await sim.close();
    }
  });
});
