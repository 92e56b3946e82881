/**
 * Watches replication from outside, as the bench's admin broker user: every
 * receipt batch the gateway ships (taogate/v1/repl/<gw>/receipts) and every
 * ack the upstream answers (.../ack). Replication lag in ms of a receipt =
 * the time its ack arrived minus the receipt's own ts (the gateway's clock at
 * append; same host, same clock). Also counts the intent receipts shipped,
 * so a throughput run can count durable, replicated writes without opening
 * the gateway's (locked) ledger.
 */
import { connectMqtt, topics, type MqttClient } from '../../../src/mqtt/index.js';
import { ADMIN, GATEWAY_ID } from './topology.js';

interface Shipped {
  readonly seq: number;
  readonly ts: number;
  readonly kind: string;
}

export class ReplicationWatch {
  private readonly ts = new Map<number, number>();
  private acked = -1;
  private shippedMax = -1;
  private window: { lagsMs: number[]; from: number } | undefined;
  intents = 0;

  private constructor(private readonly client: MqttClient) {}

  static async open(mqtt: string): Promise<ReplicationWatch> {
    const client = await connectMqtt(mqtt, { username: ADMIN.username, password: ADMIN.password });
    const w = new ReplicationWatch(client);
    const receipts = topics.receipts(GATEWAY_ID);
    const ack = topics.replAck(GATEWAY_ID);
    client.on('message', (topic, payload) => {
      const now = Date.now();
      const m = JSON.parse(payload.toString()) as { t: string; seq?: number; receipts?: Shipped[] };
      if (topic === receipts && m.t === 'batch') {
        for (const r of m.receipts ?? []) {
          if (r.seq <= w.shippedMax) continue;
          w.shippedMax = r.seq;
          w.ts.set(r.seq, r.ts);
          if (r.kind === 'intent') w.intents++;
        }
      } else if (topic === ack && m.t === 'ack' && typeof m.seq === 'number') {
        for (let s = w.acked + 1; s <= m.seq; s++) {
          const t = w.ts.get(s);
          w.ts.delete(s);
          if (t !== undefined && w.window && s >= w.window.from) w.window.lagsMs.push(now - t);
        }
        w.acked = Math.max(w.acked, m.seq);
      }
    });
    await client.subscribeAsync([receipts, ack], { qos: 1 });
    return w;
  }

  get head(): { shipped: number; acked: number } {
    return { shipped: this.shippedMax, acked: this.acked };
  }

  /** Starts collecting lags for receipts from the next shipped seq on. */
  startWindow(): void {
    this.window = { lagsMs: [], from: this.shippedMax + 1 };
  }

  stopWindow(): number[] {
    const l = this.window?.lagsMs ?? [];
    this.window = undefined;
    return l;
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}
