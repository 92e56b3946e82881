/**
 * `taogate gateway`: the ledger, the gate, the governance client, the
 * staging endpoint and the protocol fronts, wired together.
 */
import type { MqttClient } from 'mqtt';
import type { Signer } from '../crypto/ed25519.js';
import { Ledger } from '../ledger/index.js';
import { checkSinceCosigned, type OpenCheck } from '../ledger/open-check.js';
import { receiptKeyLookup } from '../tao/receipt-keys.js';
import { mqttLogOf, openMqtt, Requester, serveRequests, topics, within, type MqttLinkState, type RequestServer, type TlsMaterial } from '../mqtt/index.js';
import type { Profile } from '../policy/types.js';
import type { TrustStore } from '../tao/truststore.js';
import type { DeviceHealth } from '../devices/health.js';
import type { Front } from './front.js';
import { Gate } from './gate/gate.js';
import type { RefusalRecorderOptions } from './gate/refusal-recorder.js';
import type { GateLogger, GateObserver } from './gate/ports.js';
import { MqttGovernanceClient } from './governance-client.js';
import { GovernanceHeartbeat } from './heartbeat.js';
import { Checkpointer, type CheckpointerOptions } from '../replication/checkpointer.js';
import { Replicator, type ReplicationOptions } from '../replication/replicator.js';
import { RUNS_BUILD } from '../package-root.js';

/** Replication upstream and checkpoints (issue 5): on by default when the trust store has an upstream key. */
export interface GatewayReplicationOptions extends ReplicationOptions {
  readonly enabled?: boolean;
  /** Checkpoint every N receipts or T ms (defaults 256 / 1000); `false` turns checkpoints off. */
  readonly checkpoint?: CheckpointerOptions | false;
}

export interface GatewayServiceOptions {
  readonly profile: Profile;
  readonly trust: TrustStore;
  readonly signer: Signer;
  readonly ledgerDir: string;
  readonly mqtt: { readonly url: string; readonly username: string; readonly password: string; readonly tls?: TlsMaterial | undefined };
  /** How long the start waits for the broker before going on without it (default 5000 ms); the client keeps retrying for ever. */
  readonly brokerWaitMs?: number;
  readonly log: GateLogger;
  readonly fronts?: readonly Front[];
  readonly governanceDeadlineMs?: number;
  readonly observe?: GateObserver;
  readonly replication?: GatewayReplicationOptions;
  /** Start even when the chain since the last co-signed checkpoint does not verify (recorded in a receipt). */
  readonly acceptLedgerAsIs?: boolean;
  /** Per-source refusal burst and summary interval (src/gateway/gate/refusal-recorder.ts). */
  readonly refusals?: RefusalRecorderOptions;
}

export interface GatewayService {
  readonly gate: Gate;
  readonly ledger: Ledger;
  readonly client: MqttClient;
  /** Listening addresses by front name. */
  readonly addresses: Readonly<Record<string, string>>;
  readonly heartbeat: GovernanceHeartbeat;
  /** Ships receipts upstream (undefined when replication is off). */
  readonly replicator: Replicator | undefined;
  readonly checkpointer: Checkpointer | undefined;
  /** The broker link: connected, since when, the last configuration problem. */
  mqttState(): MqttLinkState;
  /** The PLC links of the fronts, up or down. */
  devices(): DeviceHealth[];
  close(): Promise<void>;
}

/**
 * Before the first append: the chain from the last co-signed checkpoint to the head verifies
 * (src/ledger/open-check.ts). On a mismatch the gateway does not start, unless told
 * --accept-ledger-as-is, which is itself recorded (a `config` receipt naming the bad seq).
 */
async function checkLedgerAtOpen(ledger: Ledger, o: GatewayServiceOptions): Promise<void> {
  let check: OpenCheck;
  try {
    // The trust store's key by kid; this gateway's own receipts verify with its own key even when
    // the trust store does not list it (the CLI refuses that at start; in-process callers may not).
    const fromTrust = receiptKeyLookup(o.trust);
    const own = { publicKey: o.signer.publicKey };
    check = await checkSinceCosigned(ledger, (gw, kid) => fromTrust(gw, kid) ?? (gw === o.profile.gateway.id && (kid === undefined || kid === o.signer.keyId) ? own : undefined));
  } catch (err) {
    await ledger.close();
    throw err;
  }
  if (check.bounded) o.log.warn({ from: check.from, head: check.to, cosigned: check.cosigned }, `ledger: checked the newest ${check.to - check.from + 1} receipts at start (the last co-signed checkpoint is further back or missing)`);
  if (!check.bad) return;
  const what = `ledger ${o.ledgerDir}: receipt ${check.bad.seq}: ${check.bad.reason} (checked from seq ${check.from} to the head, seq ${check.to})`;
  if (!o.acceptLedgerAsIs) {
    await ledger.close();
    throw new Error(`${what}; run 'taogate ledger verify --data ${o.ledgerDir}' and restore the ledger from the upstream's copy, or start with --accept-ledger-as-is to append to it anyway (recorded)`);
  }
  o.log.error({ seq: check.bad.seq, reason: check.bad.reason }, `${what}; accepted as is (--accept-ledger-as-is)`);
  await ledger.append('config', { event: 'ledger_accepted_as_is', seq: check.bad.seq, reason: check.bad.reason, checked: { from: check.from, to: check.to } });
}

/** On a clean stop, how long the gateway waits for the upstream to acknowledge its last receipts. */
export const STOP_FLUSH_MS = 3000;

export async function startGateway(o: GatewayServiceOptions): Promise<GatewayService> {
  const gatewayId = o.profile.gateway.id;
  // Start-up phases, logged once at the end ("gateway started"): where the time to READY goes.
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  const lap = (name: string, since = t0) => (phases[name] = Math.round(performance.now() - since));
  // 16k consumed jtis in memory (~2 MB); older ones are found in LevelDB, which stays the truth.
  const ledger = await Ledger.open(o.ledgerDir, { gatewayId, signer: o.signer, jtiCacheSize: 16_384 });
  lap('ledgerOpen');
  await checkLedgerAtOpen(ledger, o);
  lap('ledgerChecked');
  // Last step of every shutdown: a `stop` receipt (a clean stop is visible in the record;
  // a crash shows as a `start` with no `stop` before it), replicated (a bounded wait for the
  // upstream's ack), then the broker link and the ledger close.
  let endReplication: Replicator | undefined;
  let endCheckpointer: Checkpointer | undefined;
  let endClient = async (): Promise<void> => {};
  const cleanups: (() => Promise<void>)[] = [
    async () => {
      await ledger.append('stop', { pid: process.pid }).catch((err: Error) => o.log.warn({ err: err.message }, 'stop receipt failed'));
      // A checkpoint over the chain up to the stop receipt: once the upstream co-signs it, the
      // next start's open check has only the receipts after it to verify (a warm start).
      let anchor: number | undefined;
      if (endCheckpointer) {
        anchor = await endCheckpointer.checkpointNow().then(
          (r) => (r.body as { size?: number }).size,
          (err: Error) => void o.log.warn({ err: err.message }, 'stop checkpoint not written'),
        );
        await endCheckpointer.stop();
      }
      if (endReplication) {
        const until = Date.now() + STOP_FLUSH_MS;
        // An upstream that never answered in this run is not waited for (it gets all after the next start).
        if (endReplication.stats.acks === 0) o.log.warn({ lag: endReplication.lag }, 'no upstream answered in this run: the stop receipt reaches it after the next start');
        else if (!(await endReplication.flush(STOP_FLUSH_MS))) o.log.warn({ lag: endReplication.lag, waitedMs: STOP_FLUSH_MS }, 'upstream did not acknowledge the stop receipt in time; it gets it after the next start');
        else if (anchor !== undefined && !(await endReplication.cosigned(anchor, until - Date.now()))) o.log.warn({ size: anchor }, 'upstream did not co-sign the stop checkpoint in time; the next start verifies from the last co-signed one');
        await endReplication.close();
      }
      await endClient();
      await ledger.close();
    },
  ];
  try {
    await ledger.append('start', { policy: o.profile.policyHash, profile: o.profile.source, kid: o.signer.keyId, pid: process.pid });
    lap('startReceipt');
    // The broker may be away (boot order, outage): the gateway starts anyway, reads pass, writes are
    // refused (governance unreachable), and the client retries with backoff for ever.
    const mqtt = openMqtt(o.mqtt.url, { username: o.mqtt.username, password: o.mqtt.password, clientId: `${gatewayId}-${process.pid}`, tls: o.mqtt.tls, log: mqttLogOf(o.log) });
    const client = mqtt.client;
    endClient = () => client.endAsync();
    const requester = new Requester(client, topics.decisionBase(o.mqtt.username));
    cleanups.unshift(async () => requester.close());
    const fronts = o.fronts ?? [];
    const gate = new Gate({
      profile: o.profile,
      trust: o.trust,
      ledger,
      governance: new MqttGovernanceClient(requester, gatewayId, o.signer),
      log: o.log,
      observe: o.observe,
      governanceDeadlineMs: o.governanceDeadlineMs,
      refusals: o.refusals,
      readCurrent: async (tag) => fronts.find((f) => f.owns(tag))?.readCurrent(tag),
    });
    let stageServer: RequestServer | undefined;
    const staging = serveRequests(client, topics.stage(gatewayId), async (body) => {
      const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      return gate.present(b.tao, typeof b.source === 'string' ? `mqtt:${b.source.slice(0, 64)}` : 'mqtt');
    }).then((s) => {
      stageServer = s;
    });
    cleanups.unshift(async () => stageServer?.close());
    staging.catch(() => undefined); // awaited below
    const repl = o.replication ?? {};
    const replicate = repl.enabled ?? o.trust.keys().some((k) => k.role === 'upstream');
    // The fronts start together (the OPC UA one is the slow one: node-opcua, certificates, PLC
    // session), and the checkpointer catches up with the chain meanwhile (it buffers appends
    // made while it reads, so the order does not matter).
    const started: Record<string, string> = {};
    // Runs after the fronts closed (cleanups run newest first): the refusal summaries
    // of the last interval are written before the stop receipt.
    cleanups.unshift(() => gate.stop());
    for (const front of fronts) cleanups.unshift(() => front.close());
    const frontsStarted = Promise.allSettled(
      fronts.map(async (front) => {
        const since = performance.now();
        started[front.name] = await front.start(gate);
        lap(`front.${front.name}`, since);
      }),
    );
    // The gate opens now: it reads the intents earlier runs left open before any write of this
    // run can exist, and holds every write until they are reconciled (with PLC read-backs once
    // the fronts' PLC links are up). Fronts may listen meanwhile; reads pass.
    const gateOpened = gate.start({ readsReady: frontsStarted });
    gateOpened.catch(() => undefined); // awaited below
    let checkpointer: Checkpointer | undefined;
    const cpOpts = repl.checkpoint;
    const checkpointerStarted =
      replicate && cpOpts !== false
        ? (async () => {
            const since = performance.now();
            const cp = await Checkpointer.start(ledger, gatewayId, o.signer, o.log, cpOpts ?? {});
            checkpointer = cp;
            endCheckpointer = cp; // stopped by the last cleanup, after the stop checkpoint
            lap('checkpointer', since);
          })()
        : Promise.resolve();
    const settled = [...(await frontsStarted), ...(await Promise.allSettled([checkpointerStarted]))];
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // In the fronts' order, whichever finished first.
    const addresses: Record<string, string> = {};
    for (const front of fronts) addresses[front.name] = started[front.name]!;
    await gateOpened;
    lap('gateStarted');
    const heartbeat = new GovernanceHeartbeat(requester, gatewayId);
    heartbeat.start();
    cleanups.unshift(async () => heartbeat.stop());
    let replicator: Replicator | undefined;
    let replStarted: Promise<void> = Promise.resolve();
    if (replicate) {
      const r = new Replicator(ledger, client, gatewayId, o.trust, o.log, repl);
      replStarted = r.start();
      replStarted.catch(() => undefined); // awaited below
      replicator = r;
      endReplication = r;
    }
    // Subscriptions made while offline wait in mqtt.js and go out on connect. With the broker there,
    // the start waits for them (a subscription the broker's ACL refuses fails the start, naming the
    // topic); without it, the gateway goes on and is not ready until the broker comes.
    const subscribed = Promise.all([mqtt.connected, requester.whenReady(), staging, replStarted]);
    if (await within(subscribed, o.brokerWaitMs ?? 5000)) lap('mqttConnected');
    else {
      o.log.warn({ broker: o.mqtt.url, problem: mqtt.state().problem }, 'broker not reachable: serving reads, refusing writes until it comes (retrying with backoff)');
      subscribed.catch((err: Error) => o.log.error({ broker: o.mqtt.url, err: err.message }, 'broker refused a subscription of the gateway: check its ACL'));
    }
    lap('total');
    o.log.info({ ms: phases, sinceProcessStartMs: Math.round(performance.now()), code: RUNS_BUILD ? 'build' : 'sources', receipts: ledger.head.seq + 1, checkpointerReadReceipts: checkpointer?.stats.receiptsRead }, 'gateway started');
    return {
      replicator,
      checkpointer,
      gate,
      ledger,
      client,
      addresses,
      heartbeat,
      mqttState: mqtt.state,
      devices: () => fronts.flatMap((f) => [...(f.devices?.() ?? [])]),
      async close() {
        for (const c of cleanups) await c().catch((err: Error) => o.log.warn({ err: err.message }, 'gateway shutdown step failed'));
      },
    };
  } catch (err) {
    for (const c of cleanups) await c().catch(() => {});
    throw err;
  }
}
