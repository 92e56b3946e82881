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

/** Starts following; returns a stop function. */
export async function pushUpstreamToInflux(node: UpstreamNode, o: UpstreamPushOptions): Promise<() => void> {
  const writer = new InfluxWriter({ url: o.influx, db: o.db });
  await writer.ensureDatabase();
  const pushers: HistorianPusher[] = [];
  for (const g of node.status().gateways) {
    const copy = node.copy(g.gateway);
    if (!copy) continue;
    const p = new HistorianPusher({ feed: copyFeed(copy), writer, cursorFile: join(o.dir, 'historian', `${g.gateway}-${o.db}.cursor.json`), log: o.log });
    pushers.push(p);
    p.run({ follow: true }).catch((err: Error) => o.log?.error({ gateway: g.gateway, err: err.message }, 'historian stopped'));
  }
  return () => {
    for (const p of pushers) p.stop();
  };
}
