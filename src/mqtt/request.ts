/**
 * Requester: request/response over any MQTT 3.1.1 broker, QoS 1.
 *
 * One subscription to `<replyBase>/#` serves every request; a request
 * carries `replyTo = <replyBase>/<corr>` and a deadline in its payload
 * (wire.ts). A reply is matched by corr. At the deadline the request rejects
 * with RequestTimeoutError and a reply arriving after that is discarded and
 * counted. Fail fast: offline means NotConnectedError at once, and losing
 * the connection rejects everything in flight (with a clean session the
 * reply subscription is gone, so the answer could never arrive).
 */
import type { MqttClient } from 'mqtt';
import { NotConnectedError, RequestTimeoutError, RequesterClosedError } from './errors.js';
import { isValidTopicName } from './filter.js';
import { noLog, type LogFn } from './log.js';
import { subscribeStrict } from './subscribe.js';
import { encodeRequest, newCorr, parseReply } from './wire.js';

export interface RequesterOptions {
  /** More reply bases for the same user (e.g. both its decision and reply bases). */
  readonly extraReplyBases?: readonly string[];
  readonly log?: LogFn;
  /** Reject in-flight requests when the connection drops. Default true. */
  readonly failOnDisconnect?: boolean;
  /** How many timed-out corrs to remember, to tell a late reply from a stray one. Default 4096. */
  readonly lateMemory?: number;
}

export interface RequesterStats {
  readonly pending: number;
  /** Replies that arrived after their request had timed out or failed, and were discarded. */
  readonly lateReplies: number;
  /** Replies with a corr this requester never sent (or already answered). */
  readonly unmatchedReplies: number;
  /** Payloads on the reply topics that were not a valid reply. */
  readonly invalidReplies: number;
}

interface Pending {
  readonly resolve: (body: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Values at or above this are read as an absolute ms epoch rather than a duration (1e12 ms = 2001-09-09). */
const EPOCH_THRESHOLD = 1e12;

export class Requester {
  readonly replyBase: string;
  private readonly bases: readonly string[];
  private readonly filters: string[];
  private readonly pending = new Map<string, Pending>();
  private readonly late = new Set<string>();
  private readonly log: LogFn;
  private readonly lateMemory: number;
  private readonly failOnDisconnect: boolean;
  private readonly ready: Promise<void>;
  private closed = false;
  private lateCount = 0;
  private unmatchedCount = 0;
  private invalidCount = 0;

  constructor(
    private readonly client: MqttClient,
    replyBase: string,
    opts: RequesterOptions = {},
  ) {
    this.bases = [replyBase, ...(opts.extraReplyBases ?? [])];
    for (const b of this.bases) {
      if (!isValidTopicName(b)) throw new TypeError(`reply base '${b}' must be a topic name without wildcards`);
    }
    this.replyBase = replyBase;
    this.filters = this.bases.map((b) => `${b}/#`);
    this.log = opts.log ?? noLog;
    this.lateMemory = opts.lateMemory ?? 4096;
    this.failOnDisconnect = opts.failOnDisconnect ?? true;
    client.on('message', this.onMessage);
    client.on('close', this.onClose);
    this.ready = subscribeStrict(client, this.filters, 1);
    this.ready.catch((err: unknown) => this.log('error', 'requester: reply subscription failed', { filters: this.filters, err: String(err) }));
  }

  /** Resolves once the reply subscription is granted; rejects if the broker refused it. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  get stats(): RequesterStats {
    return { pending: this.pending.size, lateReplies: this.lateCount, unmatchedReplies: this.unmatchedCount, invalidReplies: this.invalidCount };
  }

  /** Replies that arrived after their deadline and were discarded. */
  get lateReplies(): number {
    return this.lateCount;
  }

  /**
   * Publish `body` to `topic` (QoS 1 unless `qos: 0`) and resolve with the reply's body
   * (the server answers at the request's QoS). QoS 0 suits requests on a
   * deadline that fail closed (the gateway's proposals): a lost message is a
   * timeout either way, and each QoS 1 hop costs a PUBACK in three processes.
   * `deadlineMs` is a timeout in ms from now; a value >= 1e12 is taken as an
   * absolute deadline (ms since epoch). Rejects with NotConnectedError at once
   * when offline, RequestTimeoutError at the deadline.
   */
  request<T = unknown>(topic: string, body: unknown, deadlineMs: number, opts: { replyBase?: string; qos?: 0 | 1 } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new RequesterClosedError());
    const replyBase = opts.replyBase ?? this.replyBase;
    if (!this.bases.includes(replyBase)) return Promise.reject(new TypeError(`reply base '${replyBase}' is not one this requester subscribed to`));
    if (!this.client.connected) return Promise.reject(new NotConnectedError(`MQTT client is not connected: cannot send request on ${topic}`));
    const now = Date.now();
    const deadline = deadlineMs >= EPOCH_THRESHOLD ? deadlineMs : now + deadlineMs;
    const waitMs = Math.max(0, deadline - now);
    const corr = newCorr();
    const replyTo = `${replyBase}/${corr}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(corr, new RequestTimeoutError(topic, corr, waitMs)), waitMs);
      this.pending.set(corr, { resolve: resolve as (b: unknown) => void, reject, timer });
      this.ready.then(
        () => {
          if (!this.pending.has(corr)) return; // already timed out or failed
          this.client.publish(topic, encodeRequest({ corr, replyTo, deadline, body }), { qos: opts.qos ?? 1 }, (err) => {
            if (err) this.fail(corr, err);
          });
        },
        (err: unknown) => this.fail(corr, err instanceof Error ? err : new Error(String(err))),
      );
    });
  }

  /** Stop: unsubscribe, reject everything in flight with RequesterClosedError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.off('message', this.onMessage);
    this.client.off('close', this.onClose);
    for (const corr of [...this.pending.keys()]) this.fail(corr, new RequesterClosedError());
    if (this.client.connected) this.client.unsubscribe(this.filters, () => {});
  }

  private fail(corr: string, err: Error): void {
    const p = this.pending.get(corr);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(corr);
    this.rememberLate(corr);
    p.reject(err);
  }

  private rememberLate(corr: string): void {
    this.late.add(corr);
    if (this.late.size > this.lateMemory) {
      const oldest = this.late.values().next().value;
      if (oldest !== undefined) this.late.delete(oldest);
    }
  }

  private readonly onMessage = (topic: string, payload: Buffer): void => {
    if (!this.bases.some((b) => topic.startsWith(`${b}/`))) return; // someone else's subscription
    const parsed = parseReply(payload);
    if (!parsed.ok) {
      this.invalidCount++;
      this.log('warn', 'requester: invalid reply ignored', { topic, reason: parsed.reason });
      return;
    }
    const { corr, body } = parsed.value;
    const p = this.pending.get(corr);
    if (p) {
      clearTimeout(p.timer);
      this.pending.delete(corr);
      p.resolve(body);
    } else if (this.late.delete(corr)) {
      this.lateCount++;
      this.log('info', 'requester: late reply discarded', { topic, corr });
    } else {
      this.unmatchedCount++;
      this.log('debug', 'requester: unmatched reply ignored', { topic, corr });
    }
  };

  private readonly onClose = (): void => {
    if (!this.failOnDisconnect || this.pending.size === 0) return;
    this.log('warn', 'requester: connection lost, failing in-flight requests', { pending: this.pending.size });
    for (const corr of [...this.pending.keys()]) this.fail(corr, new NotConnectedError('MQTT connection lost while waiting for a reply'));
  };
}
