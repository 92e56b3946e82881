/**
 * Runs one gateway path in-process for `node --cpu-prof`:
 *
 *   node --import tsx --cpu-prof --cpu-prof-dir=$TMPDIR/taogate-prof test/bench/profile.ts modbus-inline
 *   node --import tsx --cpu-prof --cpu-prof-dir=$TMPDIR/taogate-prof test/bench/profile.ts throughput
 *   node --import tsx test/bench/cpuprofile-summary.ts $TMPDIR/taogate-prof/<file>.cpuprofile
 *
 * Keep .cpuprofile files out of the repo (.gitignore has *.cpuprofile).
 */
import { startCell } from '../helpers/cell.js';
import { startRig, timedWrites } from './modbus-latency.js';
import { drive, startLoad } from './throughput.js';
import { closeClient } from './modbus-tools.js';
import { summarize } from './stats.js';

const what = process.argv[2] ?? 'modbus-inline';
if (what === 'modbus-inline' || what === 'modbus-staged') {
  const rig = await startRig();
  await timedWrites(rig.clients.inline, 200);
  const n = Number(process.argv[3] ?? 3000);
  const s = summarize(await timedWrites(rig.clients.inline, n));
  process.stderr.write(`inline: n=${n} p50=${s.p50.toFixed(3)} p99=${s.p99.toFixed(3)} ms\n`);
  await rig.close();
} else if (what === 'throughput') {
  const cell = await startCell({ modbus: true });
  const clients = await startLoad(cell, 32);
  const r = await drive(clients, Number(process.argv[3] ?? 8));
  process.stderr.write(`throughput: ${(r.ok / r.seconds).toFixed(0)} writes/s\n`);
  for (const c of clients) await closeClient(c);
  await cell.close();
} else {
  process.stderr.write(`unknown profile target '${what}' (modbus-inline, throughput)\n`);
  process.exit(2);
}
