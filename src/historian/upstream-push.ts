/**
 * The historian inside the upstream node: one pusher per followed gateway,
 * reading the upstream's verified copy (never a ledger another process
 * holds), with a persisted cursor per gateway and database.
 */
import { join } from 'node:path';
import type { UpstreamNode } from '../replication/upstream.js';
import { copyFeed } from './feed.js';
import { HistorianPusher } from './pusher.js';
import { InfluxWriter } from './writer.js';

export interface UpstreamPushOptions {
  readonly influx: string;
  readonly db: string;
  /** The upstream's data dir: cursors go to DIR/historian. */
  readonly dir: string;
  readonly log: ConstructorParameters<typeof HistorianPusher>[0]['log'];
}

/** How long a stop waits for the pushers to push what the upstream holds (then the rest goes after the next start). */
export const PUSH_FINISH_MS = 3000;

/** Starts following; returns a stop function that first pushes what the upstream holds (at most PUSH_FINISH_MS). */
export async function pushUpstreamToInflux(node: UpstreamNode, o: UpstreamPushOptions): Promise<() => Promise<void>> {
  const writer = new InfluxWriter({ url: o.influx, db: o.db });
  await writer.ensureDatabase();
  const pushers: { pusher: HistorianPusher; running: Promise<unknown> }[] = [];
  for (const g of node.status().gateways) {
    const copy = node.copy(g.gateway);
    if (!copy) continue;
    const p = new HistorianPusher({ feed: copyFeed(copy), writer, cursorFile: join(o.dir, 'historian', `${g.gateway}-${o.db}.cursor.json`), log: o.log });
    const running = p.run({ follow: true }).catch((err: Error) => o.log?.error({ gateway: g.gateway, err: err.message }, 'historian stopped'));
    pushers.push({ pusher: p, running });
  }
  return async () => {
    await Promise.all(pushers.map(({ pusher, running }) => pusher.finish(running, PUSH_FINISH_MS)));
  };
}
