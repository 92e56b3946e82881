/**
 * connectMqtt: an mqtt.js client the way taogate needs it. MQTT 3.1.1, TCP
 * no-delay on every (re)connect (mqtt.js never sets it: 88 ms instead of
 * 0.2 ms per QoS 1 round trip), quick reconnects, and a first connect that
 * fails loudly on refused credentials instead of retrying forever.
 */
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { noLog, type LogFn } from './log.js';
import { MqttAuthError, MqttConnectError } from './errors.js';
import { explainTlsError, type TlsMaterial } from './tls.js';
import { fillPacketLengthCache } from './packet-length-cache.js';

export type { MqttClient };

export interface Will {
  readonly topic: string;
  readonly payload: string | Buffer;
  readonly qos?: 0 | 1 | 2;
  readonly retain?: boolean;
}

export interface ConnectOptions {
  username: string;
  password: string;
  /** Default `<username>-<random>`; the taogate broker requires `<username>` or a `<username>-` prefix. */
  clientId?: string;
  will?: Will;
  log?: LogFn;
  /** Give up the FIRST connect after this long (later reconnects retry forever). Default 10 s. */
  initialTimeoutMs?: number;
  /** Default 500 ms. */
  reconnectPeriodMs?: number;
  /** Keep-alive in seconds. Default 30. */
  keepaliveSec?: number;
  /** Private CA and client certificate (mutual TLS), for `mqtts://` URLs; see tls.ts. */
  tls?: TlsMaterial | undefined;
  /** Reconnect backoff: the period doubles after each failed attempt up to this (default 30 s), and resets on connect. */
  maxReconnectPeriodMs?: number;
}

// MQTT 3.1.1 3.2.2.3 CONNACK return codes
const CONNACK_REASON: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client id rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** Set TCP no-delay on the client's current socket (plain or TLS). Returns whether it could. */
export function setNoDelay(client: MqttClient): boolean {
  const stream: unknown = client.stream;
  if (stream instanceof Socket) {
    stream.setNoDelay(true);
    return true;
  }
  return false;
}

/**
 * Why a failed connection attempt failed, when it is configuration and not
 * absence: a CONNACK refusal (credentials, client id) or a TLS certificate
 * problem (naming the file). Undefined for "broker not there" (refused,
 * reset, DNS), which is retried quietly.
 */
export function connectFailure(err: Error & { code?: unknown }, url: string, opts: Pick<ConnectOptions, 'username' | 'tls'>, clientId: string): MqttAuthError | MqttConnectError | undefined {
  const rc = typeof err.code === 'number' ? err.code : undefined;
  if (rc !== undefined) {
    const reason = CONNACK_REASON[rc] ?? `return code ${rc}`;
    const message = `MQTT broker ${url} refused user '${opts.username}' (client id '${clientId}'): ${reason}`;
    return rc === 2 || rc === 4 || rc === 5 ? new MqttAuthError(rc, message) : new MqttConnectError(message, { cause: err });
  }
  const tls = explainTlsError(err, opts.tls);
  return tls ? new MqttConnectError(`MQTT broker ${url}: ${tls}`, { cause: err }) : undefined;
}

/** What a service reports about its broker link (/readyz, metrics). */
export interface MqttLinkState {
  readonly url: string;
  readonly connected: boolean;
  /** ms since the epoch of the last connect or loss (0: never connected). */
  readonly since: number;
  /** The last configuration problem (refused credentials, certificate), cleared on connect. */
  readonly problem: string | undefined;
}

/** Creates the client and its logging; the first connect is not awaited. */
function createClient(url: string, opts: ConnectOptions): { client: MqttClient; clientId: string; log: LogFn; state: () => MqttLinkState } {
  const log: LogFn = opts.log ?? noLog;
  const clientId = opts.clientId ?? `${opts.username}-${randomBytes(6).toString('hex')}`;
  const basePeriod = opts.reconnectPeriodMs ?? 500;
  const maxPeriod = Math.max(basePeriod, opts.maxReconnectPeriodMs ?? 30_000);
  const options: IClientOptions = {
    protocolVersion: 4, // aedes speaks 3.1.1 only
    username: opts.username,
    password: opts.password,
    clientId,
    clean: true,
    keepalive: opts.keepaliveSec ?? 30,
    reconnectPeriod: basePeriod,
    connectTimeout: 5_000,
    resubscribe: true,
    ...(opts.tls ? { ca: opts.tls.ca, cert: opts.tls.cert, key: opts.tls.key, rejectUnauthorized: true } : {}),
    ...(opts.will ? { will: { topic: opts.will.topic, payload: opts.will.payload, qos: opts.will.qos ?? 1, retain: opts.will.retain ?? false } } : {}),
  };
  fillPacketLengthCache();
  const client = connect(url, options);
  let wasConnected = false;
  let lostAt = 0;
  let lastProblem = '';
  let since = 0;
  let quickDrops = 0;
  // First listener on 'connect', so the socket is fast before anyone publishes.
  client.on('connect', () => {
    if (!setNoDelay(client)) log('warn', 'mqtt: could not set TCP no-delay (not a socket stream)', { url, clientId });
    client.options.reconnectPeriod = basePeriod;
    if (wasConnected) log('info', 'mqtt connection back', { url, clientId, downMs: lostAt > 0 ? Date.now() - lostAt : undefined });
    else log('info', 'mqtt connected', { url, clientId });
    wasConnected = true;
    lostAt = 0;
    lastProblem = '';
    since = Date.now();
  });
  client.on('close', () => {
    // mqtt.js reads reconnectPeriod each time it schedules a reconnect: back off while the broker stays away.
    if (!client.connected) client.options.reconnectPeriod = Math.min(maxPeriod, Math.max(basePeriod, (client.options.reconnectPeriod ?? basePeriod) * 2));
  });
  // Always listen: an 'error' with no listener would crash the process.
  client.on('error', (err: Error & { code?: unknown }) => {
    const failure = connectFailure(err, url, opts, clientId);
    // Configuration problems are errors, logged once per distinct cause (they repeat on every retry).
    if (failure) {
      if (failure.message !== lastProblem) log('error', failure.message, { url, clientId });
      lastProblem = failure.message;
    } else log('debug', 'mqtt client error', { url, clientId, err: err.message });
  });
  client.on('reconnect', () => log('debug', 'mqtt reconnecting', { url, clientId, periodMs: client.options.reconnectPeriod }));
  // Dropped right after being accepted, again and again: MQTT 3.1.1 answers a publish the ACL refuses by
  // closing the connection (MQTT-3.3.5-2), so this is the sign of a broker that refuses this user's topics.
  let acceptedAt = 0;
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'connack' && (packet as { returnCode?: number }).returnCode === 0) acceptedAt = Date.now();
  });
  client.on('close', () => {
    if (acceptedAt === 0) return;
    const lived = Date.now() - acceptedAt;
    acceptedAt = 0;
    if (lived > 10_000) quickDrops = 0;
    else if (lived < 2000 && ++quickDrops === 3) {
      lastProblem = `MQTT broker ${url} closes the connection of user '${opts.username}' right after accepting it: its ACL probably refuses this user's topics (check the broker's users and ACL file)`;
      log('error', lastProblem, { url, clientId });
    }
  });
  client.on('offline', () => {
    if (wasConnected && lostAt === 0) {
      lostAt = Date.now();
      since = lostAt;
      log('warn', 'mqtt connection lost; retrying with backoff', { url, clientId });
    }
  });
  const state = (): MqttLinkState => ({ url, connected: client.connected, since, problem: lastProblem || undefined });
  return { client, clientId, log, state };
}

/**
 * A client that keeps trying for ever (backoff up to `maxReconnectPeriodMs`)
 * and is returned at once: for services that must start and stay up without
 * the broker. `connected` resolves on the first CONNACK 0.
 */
export function openMqtt(url: string, opts: ConnectOptions): { client: MqttClient; connected: Promise<void>; state: () => MqttLinkState } {
  const { client, state } = createClient(url, opts);
  const connected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return { client, connected, state };
}

/** Resolves true when `p` settles in time, false after `ms`; a rejection within the time is thrown. */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Adapts a pino-style logger to the MQTT layer's LogFn. */
export function mqttLogOf(logger: { debug(o: object, m?: string): void; info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void }): LogFn {
  return (level, msg, obj) => logger[level](obj ?? {}, msg);
}

/** Connect, resolve once the broker accepted us (CONNACK 0). */
export function connectMqtt(url: string, opts: ConnectOptions): Promise<MqttClient> {
  const { client, clientId } = createClient(url, opts);
  return new Promise<MqttClient>((resolve, reject) => {
    const ms = opts.initialTimeoutMs ?? 10_000;
    let lastError: Error | undefined;
    const cleanup = () => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
    };
    const fail = (err: Error) => {
      cleanup();
      client.end(true, () => reject(err));
    };
    const timer = setTimeout(
      () => fail(new MqttConnectError(`no MQTT connection to ${url} within ${ms} ms${lastError ? `: ${lastError.message}` : ''}`, { cause: lastError })),
      ms,
    );
    const onConnect = () => {
      cleanup();
      resolve(client);
    };
    const onError = (err: Error & { code?: unknown }) => {
      lastError = err;
      const failure = connectFailure(err, url, opts, clientId);
      if (failure) fail(failure); // refused credentials or a bad certificate: fail at once, not after the timeout
    };
    client.on('connect', onConnect);
    client.on('error', onError);
  });
}
