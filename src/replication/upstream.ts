/**
 * `taogate upstream`: the upstream ledger node. Subscribes to the receipts
 * of one or many gateways, verifies and stores each gateway's chain in its
 * own GatewayCopy (DIR/<gateway id>), acknowledges the highest contiguous
 * seq, countersigns every verified checkpoint, and raises alarms.
 *
 * Messages are handled strictly in arrival order, one at a time:
 * verification and the synced LevelDB batch of one message finish before
 * the next starts, so acks are monotonic per gateway. Batches of one
 * gateway that queued up meanwhile, or arrive within LINGER_MS of a batch
 * that found nothing queued, are applied together (every receipt still
 * verified; one synced write and one ack for all of them).
 *
 * Receipts are taken and acks sent at QoS 0 (docs/ledger.md "Replication"):
 * every MQTT session is clean, so a QoS 1 hop on a live connection
 * delivers exactly what QoS 0 delivers and loses the same on a disconnect;
 * the end-to-end guarantee is the upstream's ack after its synced write and
 * the gateway's hello when acks stall. QoS 0 saves three PUBACKs per batch
 * and its ack (the upstream's, the broker's to it, the gateway's).
 *
 * Status (held heads, verified counts, alarms) is also written to
 * DIR/status.json, which `taogate upstream --check` reads while the node
 * runs (LevelDB dirs stay locked by it): at once on an alarm, else at most
 * once per STATUS_EVERY_MS.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Signer } from '../crypto/ed25519.js';
import { cosignatureLine } from '../ledger/merkle-note.js';
import { mqttLogOf, openMqtt, subscribeStrict, topics, within, type MqttLinkState, type TlsMaterial } from '../mqtt/index.js';
import { receiptKeyLookup } from '../tao/receipt-keys.js';
import type { TrustStore } from '../tao/truststore.js';
import type { Alarm } from './alarms.js';
import { startBreakglassFeed } from './breakglass-feed.js';
import { GatewayCopy } from './gateway-copy.js';
import { quietLog, type ReplLogger } from './log.js';
import { gatewayOfReceiptsTopic, parseGatewayMessage, type GatewayMessage } from './protocol.js';

export interface UpstreamOptions {
  /** Root dir: one LevelDB per gateway under it. */
  readonly dir: string;
  readonly trust: TrustStore;
  readonly signer: Signer;
  /** Key name in the trust store and on cosignature lines (default 'upstream'). */
  readonly name?: string;
  readonly mqtt: { readonly url: string; readonly username: string; readonly password: string; readonly tls?: TlsMaterial | undefined };
  /** How long the start waits for the broker before going on without it (default 5000 ms); the client keeps retrying for ever. */
  readonly brokerWaitMs?: number;
  /** Gateways to follow (default: every gateway key in the trust store). */
  readonly gateways?: readonly string[];
  readonly log?: ReplLogger;
  /** Called once per alarm, after it is stored. */
  readonly onAlarm?: (alarm: Alarm) => void;
}

export interface GatewayStatus {
  gateway: string;
  held: { seq: number; hash: string };
  verified: number;
  checkpoint?: { size: number; root: string; seq: number };
  alarms: Alarm[];
}

export interface UpstreamStatus {
  ok: boolean;
  updated: string;
  gateways: GatewayStatus[];
}

export const STATUS_FILE = 'status.json';
/** Least time between two writes of the status file without an alarm (an alarm writes it at once). */
const STATUS_EVERY_MS = 1000;
/** At most this many receipts (batches that queued up) in one apply: one synced write, one ack. */
const MAX_APPLY_RECEIPTS = 4096;
/**
 * A batch that arrives while nothing else is queued waits this long for the
 * next ones (a gateway writing one receipt batch per gated write, ~100 a
 * second): they share one synced write and one ack, which the gateway waits
 * for nowhere on its write path. Every receipt is still verified, and acked
 * only once durable; the ack comes up to this much later.
 */
const LINGER_MS = 10;

export interface UpstreamNode {
  readonly client: MqttClient;
  /** The broker link: connected, since when, the last configuration problem. */
  mqttState(): MqttLinkState;
  /** When the last message from each gateway was stored (ms since the epoch), for the replication-lag metric. */
  lastApplied(gateway: string): number | undefined;
  copy(gateway: string): GatewayCopy | undefined;
  status(): UpstreamStatus;
  /** Resolves once every message received so far was handled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Incoming {
  gateway: string;
  /** undefined: not a well-formed message (ignored). */
  msg: GatewayMessage | undefined;
}

export async function startUpstream(o: UpstreamOptions): Promise<UpstreamNode> {
  const log = o.log ?? quietLog;
  const name = o.name ?? 'upstream';
  const followed = new Set(o.gateways ?? o.trust.keys().filter((k) => k.role === 'gateway').map((k) => k.name));
  const copies = new Map<string, GatewayCopy>();
  const keyOf = receiptKeyLookup(o.trust);
  for (const gw of followed) {
    const key = o.trust.byName(gw, 'gateway');
    if (!key) throw new Error(`upstream: no gateway key named '${gw}' in the trust store`);
    // Receipts are checked with the key their kid names (rotation), within its validity window.
    copies.set(gw, await GatewayCopy.open(join(o.dir, gw), gw, (kid) => keyOf(gw, kid)));
  }
  const closeCopies = async () => {
    for (const c of copies.values()) await c.close().catch(() => undefined);
  };
  // Started without waiting for the broker: it retries with backoff for ever (boot order, outages).
  const mqtt = openMqtt(o.mqtt.url, { username: o.mqtt.username, password: o.mqtt.password, tls: o.mqtt.tls, log: mqttLogOf(log) });
  const client: MqttClient = mqtt.client;
  const applied = new Map<string, number>();
  // Break-glass receipts go on to governance (live and on its catch-up requests) for the after-action review.
  const feed = startBreakglassFeed({ client, copies, signer: o.signer, log });

  const statusPath = join(o.dir, STATUS_FILE);
  const status = (): UpstreamStatus => {
    const gateways = [...copies.values()].map((c) => ({ gateway: c.gateway, held: c.held, verified: c.verified, ...(c.lastCheckpoint ? { checkpoint: c.lastCheckpoint } : {}), alarms: [...c.alarms] }));
    return { ok: gateways.every((g) => g.alarms.length === 0), updated: new Date().toISOString(), gateways };
  };
  let statusTimer: NodeJS.Timeout | undefined;
  const writeStatus = () => {
    statusTimer = undefined;
    const tmp = `${statusPath}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(status(), null, 2) + '\n');
      renameSync(tmp, statusPath);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'upstream: status file not written');
    }
  };
  const statusSoon = () => {
    statusTimer ??= setTimeout(writeStatus, STATUS_EVERY_MS);
  };

  // A lost ack or cosignature is not silent: logged; the gateway's watchdog says hello again and gets a fresh ack.
  const publish = (topic: string, body: unknown, qos: 0 | 1) => client.publishAsync(topic, JSON.stringify(body), { qos }).catch((err: Error) => log.warn({ topic, err: err.message }, 'upstream: publish failed'));
  // Acks at QoS 0 (see the top): cumulative and idempotent, a lost one is replaced by the next or by the answer to a hello.
  const ack = (c: GatewayCopy, sync: boolean) => void publish(topics.replAck(c.gateway), { t: 'ack', ...c.held, ...(sync ? { sync: true } : {}) }, 0);
  const alarmed = (a: Alarm) => {
    log.error({ alarm: a.kind, gateway: a.gateway, seq: a.seq, detail: a.detail }, `UPSTREAM ALARM: ${a.kind} in the chain of ${a.gateway} at seq ${a.seq}`);
    o.onAlarm?.(a);
    writeStatus();
  };

  /** One hello, or the receipts of one or more consecutive batches of one gateway. */
  const handle = async (gateway: string, msg: GatewayMessage): Promise<void> => {
    const copy = copies.get(gateway);
    if (!copy) return;
    if (msg.t === 'hello') {
      const a = await copy.hello(msg.head);
      if (a) alarmed(a);
      ack(copy, true);
      return;
    }
    const result = await copy.apply(msg.receipts);
    if (result.alarm) alarmed(result.alarm);
    await feed.applied(copy, result.added);
    for (const cp of result.checkpoints) {
      const note = cp.note + cosignatureLine(cp.body, name, o.signer, Math.floor(Date.now() / 1000));
      await copy.storeCosignature(cp.size, note);
      await publish(topics.replCosign(gateway), { t: 'cosign', size: cp.size, note }, 1);
    }
    ack(copy, false);
    applied.set(gateway, Date.now());
    statusSoon();
  };

  // Arrival order, one handle() at a time; consecutive batches of one gateway that queued up meanwhile go in one handle().
  const queue: Incoming[] = [];
  let draining = false;
  let accepting = true;
  let idleWaiters: (() => void)[] = [];
  const drain = async (): Promise<void> => {
    draining = true;
    while (queue.length > 0) {
      const first = queue.shift() as Incoming;
      let msg = first.msg;
      if (msg?.t === 'batch') {
        if (queue.length === 0 && accepting) await new Promise((r) => setTimeout(r, LINGER_MS));
        let receipts = msg.receipts;
        while (receipts.length < MAX_APPLY_RECEIPTS && queue[0]?.gateway === first.gateway && queue[0].msg?.t === 'batch') {
          receipts = receipts.concat((queue.shift() as Incoming & { msg: { t: 'batch' } }).msg.receipts);
        }
        msg = { t: 'batch', receipts };
      }
      if (msg) await handle(first.gateway, msg).catch((err: Error) => log.error({ gateway: first.gateway, err: err.message }, 'upstream: message not handled'));
    }
    draining = false;
    for (const w of idleWaiters.splice(0)) w();
  };

  client.on('message', (topic, payload) => {
    const gateway = gatewayOfReceiptsTopic(topic);
    if (!gateway || !followed.has(gateway) || !accepting) return;
    queue.push({ gateway, msg: parseGatewayMessage(payload) });
    if (!draining) void drain();
  });
  // Every (re)connect: announce what we hold, so each gateway resumes from there.
  const announce = () => {
    for (const c of copies.values()) void ack(c, true);
  };
  client.on('connect', announce);
  const subscribed = Promise.all([mqtt.connected, subscribeStrict(client, topics.receiptsAll, 0), feed.subscribed]);
  subscribed.catch(() => undefined); // awaited below
  let online: boolean;
  try {
    // With the broker there, wait for the subscription (a refused ACL fails the start); without it, go on.
    online = await within(subscribed, o.brokerWaitMs ?? 5000);
  } catch (err) {
    await client.endAsync().catch(() => undefined);
    await closeCopies();
    throw err;
  }
  if (!online) {
    log.warn({ broker: o.mqtt.url, problem: mqtt.state().problem }, 'upstream: broker not reachable; retrying with backoff');
    subscribed.catch((err: Error) => log.error({ broker: o.mqtt.url, err: err.message }, 'upstream: broker refused the receipts subscription: check its ACL'));
  }
  for (const c of copies.values()) for (const a of c.alarms) log.error({ alarm: a.kind, gateway: a.gateway, seq: a.seq, detail: a.detail }, 'upstream: alarm held from before');
  writeStatus();

  return {
    client,
    mqttState: mqtt.state,
    lastApplied: (gw) => applied.get(gw),
    copy: (gw) => copies.get(gw),
    status,
    idle: () => (!draining && queue.length === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r))),
    async close() {
      feed.close();
      await client.endAsync().catch(() => undefined);
      accepting = false;
      if (draining) await new Promise<void>((r) => idleWaiters.push(r));
      idleWaiters = [];
      if (statusTimer) clearTimeout(statusTimer);
      writeStatus();
      await closeCopies();
    },
  };
}

/** Reads DIR/status.json of an upstream dir (for `taogate upstream --check`). */
export function readUpstreamStatus(dir: string): UpstreamStatus | undefined {
  const file = join(dir, STATUS_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as UpstreamStatus;
}

/** Gateway ids with a copy under an upstream dir. */
export function copiedGateways(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'CURRENT')))
    .map((d) => d.name);
}
