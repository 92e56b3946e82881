/**
 * Wires a running gateway into the ops endpoint: metric sources, the ledger
 * append timing, and the /readyz checks. Takes getters so that it follows a
 * gateway that is restarted under it (tests).
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { GovernanceHeartbeat } from '../gateway/heartbeat.js';
import type { GatewayService } from '../gateway/service.js';
import type { Ledger } from '../ledger/index.js';
import { bindBreakglassMetrics, breakglassCheck } from './breakglass-routes.js';
import { outcomesCheck } from './gateway-routes.js';
import type { MqttLinkState } from '../mqtt/client.js';
import type { ReadinessCheck } from './http.js';
import type { GatewayMetrics } from './metrics.js';

/**
 * Times every ledger append from the call to durable (the synced group-commit
 * batch that holds it) into the ledger append histogram. The Ledger has no
 * timing hook of its own, so the open instance's append is wrapped once.
 */
export function timeLedgerAppends(ledger: Ledger, metrics: GatewayMetrics): void {
  const marked = ledger as Ledger & { [TIMED]?: true };
  if (marked[TIMED]) return;
  const append = ledger.append.bind(ledger);
  marked.append = (...args: Parameters<Ledger['append']>) => {
    const end = metrics.ledgerAppend.startTimer();
    const p = append(...args);
    p.then(() => end(), () => undefined);
    return p;
  };
  marked[TIMED] = true;
}
const TIMED = Symbol('taogate.timedAppends');

export interface GatewayOpsOptions {
  /** Pending approvals, when governance runs in this process (the demo). */
  readonly pendingApprovals?: () => number;
}

export function bindGatewayMetrics(metrics: GatewayMetrics, gateway: () => GatewayService, o: GatewayOpsOptions = {}): void {
  bindBreakglassMetrics(metrics.registry, gateway);
  metrics.bind({
    ledgerHead: () => gateway().ledger.head.seq,
    ledgerSize: () => gateway().ledger.count,
    ledgerLevelMemory: () => gateway().ledger.levelMemoryBytes,
    stagedTaos: () => gateway().gate.staged.size,
    indeterminateOpen: () => gateway().gate.indeterminates.size,
    // NaN ("unknown") while this gateway does not replicate: 0 would claim the upstream is caught up.
    replicationLag: () => replicationLag(gateway()) ?? Number.NaN,
    replicationFailures: () => gateway().replicator?.stats.failures ?? {},
    ledgerRegressions: () => gateway().replicator?.stats.regressions,
    replicationLagSeconds: lagSeconds(gateway),
    brokerUp: () => gateway().client.connected,
    governanceUp: () => Date.now() - gateway().heartbeat.lastAnswerAt <= 1500,
    ledgerUp: ledgerHealthy(() => gateway().ledger),
    devices: () => gateway().devices(),
    ...(o.pendingApprovals ? { pendingApprovals: o.pendingApprovals } : {}),
  });
}

/**
 * Seconds the upstream has been behind without acknowledging anything new (0 when caught up,
 * undefined when this gateway does not replicate).
 */
function lagSeconds(gateway: () => GatewayService): () => number | undefined {
  let ackSeq = -2;
  let since = Date.now();
  return () => {
    const r = gateway().replicator;
    if (!r) return undefined;
    const now = Date.now();
    const acked = r.acknowledged.seq;
    if (r.lag === 0 || acked !== ackSeq) since = now;
    ackSeq = acked;
    return r.lag === 0 ? 0 : (now - since) / 1000;
  };
}

/** The ledger took its last synced batch (no failed batch since the last good one). */
function ledgerHealthy(ledger: () => Ledger): () => boolean {
  let seen = { batches: 0, failed: 0, failing: false };
  let current: Ledger | undefined;
  return () => {
    const l = ledger();
    const s = l.stats;
    if (current !== l) seen = { batches: 0, failed: 0, failing: false };
    current = l;
    if (s.failedBatches > seen.failed) seen.failing = true;
    else if (s.batches > seen.batches) seen.failing = false;
    seen.batches = s.batches;
    seen.failed = s.failedBatches;
    return !seen.failing;
  };
}

/** Receipts the upstream has not acknowledged; undefined when this gateway does not replicate. */
export function replicationLag(gw: GatewayService): number | undefined {
  return gw.replicator?.lag;
}

/**
 * Upstream status, for information: a gateway whose upstream is away keeps
 * gating writes (receipts wait in the local ledger), so this never makes the
 * gateway unready; it reports the lag.
 */
export function upstreamStatus(gateway: () => GatewayService): ReadinessCheck {
  return () => {
    const lag = replicationLag(gateway());
    return { ok: true, detail: lag === undefined ? 'n/a (replication off)' : `${lag} receipts not yet acknowledged` };
  };
}

/** broker connected, governance answering (heartbeat), ledger writable, every PLC link up, upstream (informational). */
export function gatewayChecks(gateway: () => GatewayService): Record<string, ReadinessCheck> {
  const writable = ledgerWritable(() => gateway().ledger);
  return {
    broker: brokerLink(() => gateway().mqttState(), 'gateway'),
    governance: governanceAnswering(() => gateway().heartbeat),
    ledger: writable,
    outcomes: outcomesCheck(gateway),
    breakglass: breakglassCheck(gateway),
    plc: plcLinks(gateway),
    upstream: upstreamStatus(gateway),
  };
}

/** Every PLC link of the fronts is up; when not, names each device that is down and why. */
export function plcLinks(gateway: () => GatewayService): ReadinessCheck {
  return () => {
    const devices = gateway().devices();
    const down = devices.filter((d) => !d.up);
    if (down.length > 0) return { ok: false, detail: down.map((d) => `${d.device} down: ${d.detail}`).join('; ') };
    return { ok: true, detail: devices.length === 0 ? 'no PLC links' : devices.map((d) => `${d.device} up`).join(', ') };
  };
}

/**
 * Governance answered a heartbeat ping within `windowMs`. The heartbeat pings
 * every second with a 500 ms deadline, so a healthy node is never more than
 * ~1 s stale; 1.5 s reports a stopped governance node within 2 s.
 */
export function governanceAnswering(heartbeat: () => GovernanceHeartbeat, windowMs = 1500): ReadinessCheck {
  return () => {
    const hb = heartbeat();
    const last = hb.lastAnswerAt;
    const age = Date.now() - last;
    if (last > 0 && age <= windowMs) return { ok: true };
    const why = hb.status();
    return { ok: false, detail: last > 0 ? `governance silent for ${age} ms${why.detail ? ` (${why.detail})` : ''}` : (why.detail ?? 'governance never answered') };
  };
}

/** The ledger dir is writable and the last synced batch did not fail. */
export function ledgerWritable(ledger: () => Ledger): ReadinessCheck {
  let seen: { ledger?: Ledger; batches: number; failed: number; failing: boolean } = { batches: 0, failed: 0, failing: false };
  return async () => {
    const l = ledger();
    const s = l.stats;
    if (seen.ledger !== l) seen = { ledger: l, batches: 0, failed: 0, failing: false };
    if (s.failedBatches > seen.failed) seen.failing = true;
    else if (s.batches > seen.batches) seen.failing = false;
    seen.batches = s.batches;
    seen.failed = s.failedBatches;
    try {
      await access(l.dir, constants.W_OK);
    } catch (err) {
      return { ok: false, detail: `${l.dir} not writable: ${(err as Error).message}` };
    }
    if (seen.failing) return { ok: false, detail: `the last receipt batch could not be written (${s.failedBatches} failed batches)` };
    return { ok: true, detail: `head ${l.head.seq}` };
  };
}

/** Connected to the broker; when not, since when and the last configuration problem (refused login, certificate). */
export function brokerLink(state: () => MqttLinkState, who: string): ReadinessCheck {
  return () => {
    const s = state();
    if (s.connected) return { ok: true, detail: s.url };
    const since = s.since > 0 ? `, lost ${Math.round((Date.now() - s.since) / 1000)} s ago` : ', never connected';
    return { ok: false, detail: `${who} not connected to the broker at ${s.url}${since}${s.problem ? `: ${s.problem}` : ' (retrying with backoff)'}` };
  };
}
