/**
 * serveRequests: the answering side of wire.ts request/response.
 *
 * Subscribes to a topic filter, parses each request, drops garbage and
 * requests already past their deadline, runs the handler (at most
 * `concurrency` at a time), and publishes its result to `replyTo` (QoS 1).
 * A handler that throws gets `{ error: 'internal_error' }` as the reply
 * body; nothing a request contains can stop the loop.
 */
import type { MqttClient } from 'mqtt';
import { Observable, filter, mergeMap, type Subscription } from 'rxjs';
import { topicMatches } from './filter.js';
import { noLog, type LogFn } from './log.js';
import { subscribeStrict } from './subscribe.js';
import { replyToAcceptable } from './topics.js';
import { encodeReply, parseRequest } from './wire.js';

export interface RequestMeta {
  readonly topic: string;
  readonly corr: string;
  readonly deadline: number;
  readonly replyTo: string;
}

export type RequestHandler = (body: unknown, meta: RequestMeta) => Promise<unknown | undefined>;

export interface ServeOptions {
  readonly log?: LogFn;
  /** Handlers running at once; later requests queue (and are dropped if their deadline passes meanwhile). Default 16. */
  readonly concurrency?: number;
  /**
   * Which replyTo topics to answer on. Default `replyToAcceptable`: taogate
   * decision/reply topics (`taogate/v1/{decision,reply}/<user>/<corr>`; only
   * reply/ for gateway stage requests), so a requester cannot aim our reply at
   * a topic we may not publish on (the broker would disconnect us).
   */
  readonly acceptReplyTo?: (replyTo: string, requestTopic: string) => boolean;
  /** Clock, for tests. */
  readonly now?: () => number;
}

export interface ServeStats {
  readonly received: number;
  readonly answered: number;
  /** Handler returned undefined: no reply sent. */
  readonly silent: number;
  readonly garbage: number;
  readonly expired: number;
  readonly handlerErrors: number;
}

export interface RequestServer {
  readonly stats: ServeStats;
  close(): Promise<void>;
}

interface Incoming {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
  /** The QoS the request arrived with: the reply goes back with the same. */
  readonly qos: 0 | 1;
}

/** Subscribe (QoS 1) and serve; resolves once the broker granted the subscription. */
export async function serveRequests(client: MqttClient, topicFilter: string, handler: RequestHandler, opts: ServeOptions = {}): Promise<RequestServer> {
  const log = opts.log ?? noLog;
  const now = opts.now ?? Date.now;
  const acceptReplyTo = opts.acceptReplyTo ?? replyToAcceptable;
  const stats = { received: 0, answered: 0, silent: 0, garbage: 0, expired: 0, handlerErrors: 0 };

  const messages = new Observable<Incoming>((sub) => {
    const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean; qos?: number }) => sub.next({ topic, payload, retain: packet.retain === true, qos: packet.qos === 0 ? 0 : 1 });
    client.on('message', onMessage);
    return () => client.off('message', onMessage);
  });

  async function handleOne(m: Incoming): Promise<void> {
    stats.received++;
    // A request is never retained: a retained one would replay to every new subscriber. The bundled
    // broker refuses them; brokers that cannot (Mosquitto 2.0 has no per-topic retain ACL) get them dropped here.
    if (m.retain) {
      stats.garbage++;
      log('warn', 'mqtt request ignored: retained', { topic: m.topic });
      return;
    }
    const parsed = parseRequest(m.payload);
    if (!parsed.ok) {
      stats.garbage++;
      log('warn', 'mqtt request ignored: malformed', { topic: m.topic, reason: parsed.reason });
      return;
    }
    const { corr, replyTo, deadline, body } = parsed.value;
    if (!acceptReplyTo(replyTo, m.topic)) {
      stats.garbage++;
      log('warn', 'mqtt request ignored: replyTo not accepted', { topic: m.topic, corr, replyTo });
      return;
    }
    if (now() >= deadline) {
      stats.expired++;
      log('info', 'mqtt request dropped: past its deadline', { topic: m.topic, corr, lateByMs: now() - deadline });
      return;
    }
    let result: unknown;
    try {
      result = await handler(body, { topic: m.topic, corr, deadline, replyTo });
    } catch (err) {
      stats.handlerErrors++;
      log('error', 'mqtt request handler failed', { topic: m.topic, corr, err: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      result = { error: 'internal_error' };
    }
    if (result === undefined) {
      stats.silent++;
      return;
    }
    // not awaited: a slow PUBACK must not hold a handler slot
    client.publish(replyTo, encodeReply({ corr, body: result }), { qos: m.qos }, (err) => {
      if (err) log('warn', 'mqtt reply not delivered', { replyTo, corr, err: err.message });
      else stats.answered++;
    });
  }

  const subscription: Subscription = messages
    .pipe(
      filter((m) => topicMatches(topicFilter, m.topic)),
      // handleOne never rejects, so one bad request cannot end the stream
      mergeMap((m) => handleOne(m).catch((err: unknown) => log('error', 'mqtt request loop error', { err: String(err) })), opts.concurrency ?? 16),
    )
    .subscribe();

  try {
    await subscribeStrict(client, topicFilter, 1);
  } catch (err) {
    subscription.unsubscribe();
    throw err;
  }
  log('debug', 'mqtt serving requests', { filter: topicFilter });

  return {
    get stats() {
      return { ...stats };
    },
    close() {
      subscription.unsubscribe();
      if (!client.connected) return Promise.resolve();
      return new Promise<void>((resolve) => client.unsubscribe(topicFilter, () => resolve()));
    },
  };
}
