/**
 * The embedded broker: aedes (MQTT 3.1.1) with taogate's authentication and
 * per-topic ACL, TCP no-delay on every accepted socket, a maximum packet size,
 * and a close() that really closes.
 */
import type { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
// aedes is imported when a broker starts: the gateway and the CLI clients load this module but never run a broker.
import type { Aedes, AuthenticateError, Client, ConnectPacket } from 'aedes';
import { dummyPasswordHash, parseUsersFile, verifyPassword, type UserEntry, type UsersFile } from './credentials.js';
import { guardSocket } from './frame-guard.js';
import { fillPacketLengthCache } from './packet-length-cache.js';
import { noLog, type LogFn } from './log.js';
import type { TlsMaterial } from './tls.js';
import { isSegment, mayPublish, mayRetain, maySubscribe, type AclUser } from './topics.js';


export interface BrokerOptions {
  host?: string;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  users: UsersFile;
  log?: LogFn;
  /** Largest accepted MQTT packet, fixed header included. Default 256 KiB. */
  maxPacketBytes?: number;
  /** A connection must send CONNECT within this time. Default 10 s. */
  connectTimeoutMs?: number;
  /** Listen with TLS (`mqtts://`): `cert` + `key` required; with `ca`, every client must present a certificate issued by it. */
  tls?: TlsMaterial | undefined;
}

export interface Broker {
  readonly url: string;
  readonly port: number;
  readonly aedes: Aedes;
  close(): Promise<void>;
}

const DEFAULTS = { host: '127.0.0.1', port: 0, maxPacketBytes: 256 * 1024, connectTimeoutMs: 10_000 };
/** Publish topics remembered as allowed per user (reply topics carry a correlation id: they come and go). */
const ALLOWED_CACHE = 256;

// MQTT 3.1.1 3.2.2.3 CONNACK return codes
const RC_IDENTIFIER_REJECTED = 2;
const RC_SERVER_UNAVAILABLE = 3;
const RC_BAD_USERNAME_OR_PASSWORD = 4;
const RC_NOT_AUTHORIZED = 5;

function authError(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * A client id must be empty (the broker assigns one), the username, or start
 * with `<username>-`: MQTT-3.1.4-2 lets a new connection with the same client
 * id kick the old one, so without this any user could knock governance off.
 */
export function clientIdAllowed(clientId: string, username: string): boolean {
  return clientId === '' || clientId === username || clientId.startsWith(`${username}-`);
}

export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const opts = { ...DEFAULTS, ...stripUndefined(options) };
  const log: LogFn = options.log ?? noLog;
  const users = new Map<string, UserEntry>(parseUsersFile(options.users).users.map((u) => [u.username, u]));
  const authed = new WeakMap<Client, AclUser>();
  const connects = new WeakMap<Client, ConnectPacket>();
  /** The accepted socket behind each guarded stream aedes sees (for the client certificate). */
  const sockets_ = new WeakMap<object, Socket>();
  const who = (client: Client | null) => ({ clientId: client?.id, user: client ? authed.get(client)?.username : undefined });

  const { Aedes } = await import('aedes');
  fillPacketLengthCache();
  const aedes = await Aedes.createBroker({
    connectTimeout: opts.connectTimeoutMs,
    // Remember the CONNECT (client id as sent, will) for authenticate(), which runs after it.
    preConnect(client, packet, done) {
      connects.set(client, packet);
      done(null, true);
    },
    authenticate(client, username, password, done) {
      const packet = connects.get(client);
      const socket = sockets_.get(client.conn);
      // With client certificates required (--tls-ca), the certificate's CN must be the username: a
      // stolen password alone does not log in (Mosquitto: use_identity_as_username).
      const cn = options.tls?.ca && socket instanceof TLSSocket ? String(socket.getPeerCertificate().subject?.CN ?? '') : undefined;
      authenticate(username, password, packet, cn).then(
        (result) => {
          if (typeof result === 'string') {
            log('warn', 'mqtt connection refused', { clientId: packet?.clientId, username, reason: result });
            const rc = result === 'client id not allowed' ? RC_IDENTIFIER_REJECTED : result === 'will topic not allowed' || result === 'anonymous' || result === 'certificate is not this user' ? RC_NOT_AUTHORIZED : RC_BAD_USERNAME_OR_PASSWORD;
            return done(authError(rc, result), false);
          }
          authed.set(client, result);
          log('debug', 'mqtt client authenticated', { clientId: packet?.clientId, username, role: result.role });
          done(null, true);
        },
        (err: unknown) => {
          log('error', 'mqtt authentication failed internally', { username, err: String(err) });
          done(authError(RC_SERVER_UNAVAILABLE, 'server unavailable'), false);
        },
      );
    },
    // Refusal closes the connection (MQTT-3.3.5-2: 3.1.1 has no negative PUBACK).
    authorizePublish(client, packet, done) {
      const user = client ? authed.get(client) : undefined;
      if (!user) return done(new Error('publish without an authenticated user'));
      if (!publishAllowed(user, packet.topic)) {
        log('warn', 'mqtt publish refused by ACL', { ...who(client), topic: packet.topic });
        return done(new Error(`not authorized to publish on ${packet.topic}`));
      }
      if (packet.retain && !mayRetain(user, packet.topic)) {
        log('warn', 'mqtt retained publish refused', { ...who(client), topic: packet.topic });
        return done(new Error(`retain not allowed on ${packet.topic}`));
      }
      done(null);
    },
    // Refusal grants 0x80 for that filter only (MQTT 3.1.1 3.9.3); the connection stays up.
    authorizeSubscribe(client, sub, done) {
      const user = authed.get(client);
      if (!user || !maySubscribe(user, sub.topic)) {
        log('warn', 'mqtt subscribe refused by ACL', { ...who(client), filter: sub.topic });
        return done(null, null);
      }
      done(null, sub);
    },
  });

  // The ACL is a pure function of (user, topic) and a client's user is fixed once authenticated: topics a user
  // may publish on are remembered per user (a gateway ships on the same few topics thousands of times a second).
  // Only allowed topics are kept (a refusal closes the connection), at most ALLOWED_CACHE per user.
  const allowed = new WeakMap<AclUser, Set<string>>();
  function publishAllowed(user: AclUser, topic: string): boolean {
    let seen = allowed.get(user);
    if (seen?.has(topic)) return true;
    if (!mayPublish(user, topic)) return false;
    if (!seen) allowed.set(user, (seen = new Set()));
    if (seen.size >= ALLOWED_CACHE) seen.clear();
    seen.add(topic);
    return true;
  }

  async function authenticate(username: string | undefined, password: Buffer | undefined, packet: ConnectPacket | undefined, cn: string | undefined): Promise<AclUser | string> {
    if (username === undefined || username === '' || password === undefined) return 'anonymous';
    const user = isSegment(username) ? users.get(username) : undefined;
    // verify against a dummy hash for unknown users: same cost, no username oracle
    const ok = await verifyPassword(password, user?.passwordHash ?? dummyPasswordHash());
    if (!user || !ok) return 'bad username or password';
    if (cn !== undefined && cn !== username) return 'certificate is not this user';
    if (!clientIdAllowed(packet?.clientId ?? '', username)) return 'client id not allowed';
    const will = packet?.will;
    if (will && (!mayPublish(user, will.topic) || (will.retain && !mayRetain(user, will.topic)))) return 'will topic not allowed';
    return { username: user.username, role: user.role, gatewayId: user.gatewayId };
  }

  aedes.on('clientError', (client, err) => log('debug', 'mqtt client error', { ...who(client), err: err.message }));
  aedes.on('connectionError', (_client, err) => log('debug', 'mqtt connection error', { err: err.message }));
  const emitter: EventEmitter = aedes; // 'error' (will clean-up failures) is missing from aedes' typings
  emitter.on('error', (err: unknown) => log('error', 'mqtt broker error', { err: String(err) }));

  const sockets = new Set<Socket>();
  const tls = options.tls;
  if (tls && (!tls.cert || !tls.key)) throw new TypeError('broker TLS needs a certificate and its key');
  const onSocket = (socket: Socket) => {
    socket.setNoDelay(true); // docs/mqtt.md: 88 ms -> 0.2 ms per QoS 1 round trip
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // reported through aedes; never crash the broker
    const guarded = guardSocket(socket, opts.maxPacketBytes, (reason) =>
      log('warn', 'mqtt connection cut: bad framing', { remote: `${socket.remoteAddress}:${socket.remotePort}`, reason }),
    );
    sockets_.set(guarded, socket);
    aedes.handle(guarded);
  };
  const server: Server = tls
    ? createTlsServer({ cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}) }, onSocket)
    : createServer(onSocket);
  if (tls) {
    server.on('tlsClientError', (err: Error, socket: Socket) =>
      log('warn', 'mqtt TLS handshake refused', { remote: `${socket.remoteAddress}:${socket.remotePort}`, err: err.message }),
    );
  }
  server.on('error', (err) => log('error', 'mqtt listener error', { err: err.message }));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      aedes.close();
      reject(err);
    };
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `${tls ? 'mqtts' : 'mqtt'}://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  log('info', 'mqtt broker listening', { url });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    aedes,
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await serverClosed;
        log('info', 'mqtt broker closed', { url });
      })();
      return closing;
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
