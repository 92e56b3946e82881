/** One real capture of scripted traffic: tcpdump on lo around the script, then wait until the file holds every transaction. */
import { readTraffic } from '../../../src/learn/index.js';
import { startTcpdump } from './tcpdump.js';

export async function captureTraffic(file: string, port: number, script: () => Promise<{ requests: number }>): Promise<{ skip: string } | { requests: number }> {
  const cap = await startTcpdump(file, `tcp port ${port}`);
  if ('skip' in cap) return cap;
  let requests = 0;
  try {
    requests = (await script()).requests;
    // tcpdump writes each packet as it sees it (-U, --immediate-mode); poll the file rather than guess a delay
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const t = readTraffic([file]);
        if (t.transactions.filter((x) => x.response).length >= requests) break;
      } catch {
        // not complete yet (no packets, or a half-written record)
      }
      if (Date.now() > deadline) throw new Error(`${file}: tcpdump did not record ${requests} answered transactions within 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await cap.stop();
  }
  return { requests };
}
