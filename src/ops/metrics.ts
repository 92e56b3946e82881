/**
 * Prometheus metrics (prom-client) of one gateway process. A private
 * Registry per process (the demo runs everything in one process). Counters
 * are fed by the gate's observer, so they count decisions, not attempts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GateObserver } from '../gateway/gate/ports.js';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly writes = new Counter({
    name: 'taogate_writes_total',
    help: 'Gated writes and calls by protocol, outcome (allowed, refused, committed, voided) and refusal code',
    labelNames: ['protocol', 'outcome', 'code'] as const,
    registers: [this.registry],
  });
  readonly governanceRtt = new Histogram({
    name: 'taogate_governance_round_trip_seconds',
    help: 'Inline proposal to decision round trip, as seen by the gate',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers: [this.registry],
  });
  readonly ledgerAppend = new Histogram({
    name: 'taogate_ledger_append_seconds',
    help: 'Time from append to durable (synced group-commit batch)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  /** Where the gauges read their values at scrape time. */
  private sources: MetricSources = {};
  readonly ledgerHead = this.gauge('taogate_ledger_head_seq', 'Sequence number of the last receipt', () => this.sources.ledgerHead?.());
  readonly ledgerSize = this.gauge('taogate_ledger_receipts', 'Receipts in the ledger', () => this.sources.ledgerSize?.());
  readonly ledgerLevelMemory = this.gauge(
    'taogate_ledger_leveldb_memory_bytes',
    "Native memory LevelDB holds for the ledger (memtables and block cache; its own estimate), bounded by the 4 MB write buffer and the 2 MB block cache",
    () => this.sources.ledgerLevelMemory?.(),
  );
  readonly replicationLag = this.gauge('taogate_replication_lag_receipts', 'Receipts not yet acknowledged by the upstream', () => this.sources.replicationLag?.());
  readonly replicationFailures = new Gauge({
    name: 'taogate_replication_failures',
    help: 'Replication steps that failed since start, by operation (publish, read, cursor, cosign, alarm); each is logged and retried',
    labelNames: ['op'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [op, n] of Object.entries(this.sources.replicationFailures?.() ?? {})) this.replicationFailures.set({ op }, n);
    },
  });
  readonly ledgerRegressions = this.gauge('taogate_ledger_regressions', 'Times the upstream (or the stored cursor) acknowledged receipts this ledger no longer holds', () => this.sources.ledgerRegressions?.());
  readonly indeterminateOpen = this.gauge('taogate_indeterminate_open', 'Writes whose outcome is indeterminate (may or may not have reached the PLC) and not yet settled by a person', () => this.sources.indeterminateOpen?.());
  readonly replicationLagSeconds = this.gauge(
    'taogate_replication_lag_seconds',
    'Seconds since the upstream last acknowledged new receipts while some are unacknowledged (0 when caught up)',
    () => this.sources.replicationLagSeconds?.(),
  );
  readonly indeterminate = new Counter({
    name: 'taogate_indeterminate_total',
    help: 'Writes whose outcome became indeterminate (the PLC may or may not have applied them), by protocol',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  readonly tagWrites = new Counter({
    name: 'taogate_tag_writes_total',
    help: 'Gated writes and calls by tag (profile names only: bounded), actor kind (human, ai, ...) and outcome',
    labelNames: ['tag', 'actor_kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly brokerUp = this.gauge('taogate_broker_up', '1 while connected to the MQTT broker', () => up(this.sources.brokerUp?.()));
  readonly governanceUp = this.gauge('taogate_governance_up', '1 while governance answers the heartbeat', () => up(this.sources.governanceUp?.()));
  readonly ledgerUp = this.gauge('taogate_ledger_up', '1 while the ledger is writable and its last batch was written', () => up(this.sources.ledgerUp?.()));
  /** Devices registered with registerDevice(), and those the bound gateway reports. */
  private readonly devices = new Map<string, () => boolean>();
  readonly plcUp = new Gauge({
    name: 'taogate_plc_up',
    help: '1 while the gateway\'s link to a PLC device is up, by device (profile name)',
    labelNames: ['device'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [device, isUp] of this.devices) this.plcUp.set({ device }, isUp() ? 1 : 0);
      for (const d of this.sources.devices?.() ?? []) this.plcUp.set({ device: d.device }, d.up ? 1 : 0);
    },
  });
  readonly stagedTaos = this.gauge('taogate_staged_taos', 'Pre-issued TAOs staged and not yet used', () => this.sources.stagedTaos?.());
  readonly pendingApprovals = this.gauge('taogate_pending_approvals', 'Approval requests waiting for approvers', () => this.sources.pendingApprovals?.());

  constructor(opts: { defaults?: boolean } = {}) {
    // No prefix: process_* and nodejs_* as the Prometheus Node.js conventions name them (stock dashboards).
    if (opts.defaults !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Reports one PLC device connection as taogate_plc_up{device} (device helpers call this; read at scrape time). */
  registerDevice(device: string, isUp: () => boolean): void {
    this.devices.set(device, isUp);
  }

  bind(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  private gauge(name: string, help: string, read: () => number | undefined): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const v = read();
        if (v !== undefined) this.set(v);
      },
    });
  }

  /** The gate's observer: counts every decision and outcome. */
  readonly observe: GateObserver = (e) => {
    this.writes.inc({ protocol: e.protocol, outcome: e.outcome, code: e.code ?? '' });
    if (e.outcome === 'indeterminate') this.indeterminate.inc({ protocol: e.protocol });
    // actor_kind: decisions name it; outcome events ('' there) only the tag
    if (e.target !== undefined) this.tagWrites.inc({ tag: e.target, actor_kind: e.actorKind ?? '', outcome: e.outcome });
    if (e.governanceMs !== undefined) this.governanceRtt.observe(e.governanceMs / 1000);
  };
}

export interface MetricSources {
  ledgerHead?: () => number;
  ledgerSize?: () => number;
  ledgerLevelMemory?: () => number | undefined;
  replicationLag?: () => number | undefined;
  replicationFailures?: () => Readonly<Record<string, number>>;
  ledgerRegressions?: () => number | undefined;
  stagedTaos?: () => number;
  pendingApprovals?: () => number;
  indeterminateOpen?: () => number;
  replicationLagSeconds?: () => number | undefined;
  brokerUp?: () => boolean;
  governanceUp?: () => boolean;
  ledgerUp?: () => boolean | undefined;
  devices?: () => readonly { readonly device: string; readonly up: boolean }[];
}

function up(v: boolean | undefined): number | undefined {
  return v === undefined ? undefined : v ? 1 : 0;
}
