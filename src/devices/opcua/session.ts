/**
 * The gateway's secured OPC UA session to one PLC (an `opcua` device of the
 * profile): one session for reads, forwarded writes and calls, and one
 * subscription that mirrors every tag of the device to the front.
 *
 * - Security from the device entry: security_policy / security_mode
 *   (Basic256Sha256 + SignAndEncrypt unless the profile says otherwise) and
 *   its identity (anonymous, user + password_file, X.509 user certificate).
 * - The client certificate and the trust list for PLC server certificates
 *   live in `pkiDir` (node-opcua layout, see pki-folder.ts). A PLC whose
 *   certificate is not in trusted/certs fails closed: node-opcua files it
 *   under rejected/, and the log line says which file to move and the
 *   `taogate pki trust` command that does it.
 * - A password_file / user_cert / user_key that cannot be read keeps the
 *   device down (the error line and health name the file); the gateway
 *   and its other devices keep running.
 * - Connecting is retried with backoff (250 ms doubling to 10 s) until it
 *   works or close(); after a broken connection node-opcua re-establishes
 *   the secure channel, the session and the subscription itself.
 * - health() says whether the link is up and, if not, why: the front
 *   refuses writes to a device that is down, /readyz reports it.
 */
import type { CallMethodResult, ClientSession, ClientSubscription, DataValue, StatusCode, UserIdentityInfo, Variant } from 'node-opcua';
import type * as NodeOpcua from 'node-opcua';
import { nodeOpcua } from './node-opcua.js';
import { CLIENT_TRANSPORT_SETTINGS } from './transport-limits.js';
import type { OpcuaDevice, TagPolicy } from '../../policy/types.js';
import type { DeviceHealth } from '../health.js';
import { loadPlcIdentity } from './identity.js';
import { describeConnectFailure } from './untrusted.js';
import { rereadingCertificateManager } from './trust-folders.js';

const { AttributeIds, ClientMonitoredItem, MessageSecurityMode, OPCUAClient, SecurityPolicy, StatusCodes, TimestampsToReturn } = nodeOpcua;
type OPCUAClient = NodeOpcua.OPCUAClient;

export class PlcUnavailable extends Error {
  /** True when the request had been handed to the PLC session: the PLC may have applied it. */
  constructor(
    message: string,
    readonly sent = false,
  ) {
    super(message);
    this.name = 'PlcUnavailable';
  }
}

/** The device's own login files cannot be read: a configuration error, logged as one. */
class IdentityUnreadable extends Error {}

export interface DeviceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}


/** One application name for every PLC session: they share one client certificate, made for this name. */
export const GATEWAY_CLIENT_APPLICATION = 'taogate-gateway';

export interface PlcSessionOptions {
  readonly device: OpcuaDevice;
  /** Tags of this device with an opcua binding: mirrored by the subscription. */
  readonly tags: readonly TagPolicy[];
  /** The gateway's PLC-client PKI folder: own certificate, trusted PLC certificates. */
  readonly pkiDir: string;
  /** Where relative password_file / user_cert / user_key paths are resolved. */
  readonly keysDir: string;
  readonly log: DeviceLogger;
  /** Each PLC data change of a tag, with its real status and source timestamp. */
  readonly onValue: (tag: TagPolicy, value: DataValue) => void;
  /** The connection to the PLC broke (the mirror should stop claiming Good). */
  readonly onLost: () => void;
  readonly timeoutMs?: number;
  /** Backoff between connection attempts. Defaults 250 / 10000 ms. */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
}

export class OpcuaPlcSession {
  private readonly client: OPCUAClient;
  private session: ClientSession | undefined;
  private subscription: ClientSubscription | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private lost = false;
  private down = 'not connected yet';
  private wake: (() => void) | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly o: PlcSessionOptions) {
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.client = OPCUAClient.create({
      applicationName: GATEWAY_CLIENT_APPLICATION,
      endpointMustExist: false,
      securityMode: MessageSecurityMode[o.device.securityMode],
      securityPolicy: SecurityPolicy[o.device.securityPolicy],
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      defaultTransactionTimeout: this.timeoutMs,
      // One attempt per connect(): the backoff loop below retries (and says why each time it changes).
      // Re-establishing a broken connection is node-opcua's own, with this backoff and no limit.
      connectionStrategy: { maxRetry: 0, initialDelay: 250, maxDelay: 5000 },
      // The PLC certificates this gateway trusts or rejected (PKI/plc-client). `taogate pki trust` is another
      // process: the folders are read again before a PLC certificate is refused as untrusted, rather than
      // counting on node-opcua's file watcher to have seen the move.
      clientCertificateManager: rereadingCertificateManager(
        { rootFolder: o.pkiDir, automaticallyAcceptUnknownCertificate: false },
        { onRereadError: (e) => o.log.warn({ device: o.device.id, err: e.message }, 'could not re-read the PLC certificate folders') },
      ),
      transportSettings: CLIENT_TRANSPORT_SETTINGS,
    });
    this.client.on('connection_lost', () => {
      this.lost = true;
      this.down = 'connection lost; reconnecting';
      o.log.warn({ device: o.device.id, endpoint: o.device.endpoint }, 'PLC connection lost');
      o.onLost();
    });
    this.client.on('connection_reestablished', () => {
      this.lost = false;
      o.log.info({ device: o.device.id }, 'PLC connection re-established');
    });
  }

  /** Connects and starts the mirror; waits at most `waitMs`, then keeps trying in the background. */
  async start(waitMs: number): Promise<void> {
    this.connecting = this.connectLoop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.connecting, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    if (!this.session) this.o.log.warn({ device: this.o.device.id, endpoint: this.o.device.endpoint, why: this.down }, 'PLC not reachable yet: still trying');
  }

  health(): DeviceHealth {
    const up = this.isUp();
    return { device: this.o.device.id, up, detail: up ? `connected to ${this.o.device.endpoint} (${this.o.device.securityPolicy}, ${this.o.device.securityMode})` : `${this.o.device.endpoint}: ${this.down}` };
  }

  isUp(): boolean {
    return this.session !== undefined && !this.lost && !this.client.isReconnecting;
  }

  private async connectLoop(): Promise<void> {
    const { initialMs, maxMs } = this.o.retry ?? { initialMs: 250, maxMs: 10_000 };
    let delay = initialMs;
    let lastReason = '';
    while (!this.closed) {
      try {
        await this.connectOnce();
        return;
      } catch (err) {
        if (this.closed) return;
        const config = err instanceof IdentityUnreadable;
        const reason = config ? { short: err.message, message: `PLC ${this.o.device.id} not contacted: ${err.message}`, untrusted: false } : describeConnectFailure(err as Error, this.o.device, this.o.pkiDir);
        this.down = reason.short;
        if (reason.short !== lastReason) {
          (reason.untrusted || config ? this.o.log.error : this.o.log.warn).call(this.o.log, { device: this.o.device.id, endpoint: this.o.device.endpoint, retryMs: delay }, reason.message);
          lastReason = reason.short;
        }
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = undefined;
      delay = Math.min(maxMs, delay * 2);
    }
  }

  private async connectOnce(): Promise<void> {
    // Read at every attempt: a missing or unreadable password / key file keeps this device down
    // (the error names the file) without stopping the gateway, and fixing the file is enough.
    let identity: UserIdentityInfo;
    try {
      identity = loadPlcIdentity(this.o.device, this.o.keysDir);
    } catch (err) {
      throw new IdentityUnreadable((err as Error).message);
    }
    await this.client.connect(this.o.device.endpoint);
    if (this.closed) return;
    let session: ClientSession;
    try {
      session = await this.client.createSession(identity);
    } catch (err) {
      await this.client.disconnect().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await session.close().catch(() => undefined);
      return;
    }
    this.session = session;
    this.lost = false;
    await this.mirror(session);
    this.o.log.info({ device: this.o.device.id, endpoint: this.o.device.endpoint, security: `${this.o.device.securityPolicy}/${this.o.device.securityMode}`, tags: this.o.tags.length }, 'PLC connected: mirroring');
  }

  private async mirror(session: ClientSession): Promise<void> {
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: 50,
      requestedLifetimeCount: 600,
      requestedMaxKeepAliveCount: 20,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    this.subscription = subscription;
    const seen = new Set<string>();
    for (const tag of this.o.tags) {
      const item = ClientMonitoredItem.create(subscription, { nodeId: tag.opcua!.nodeId, attributeId: AttributeIds.Value }, { samplingInterval: 0, discardOldest: true, queueSize: 10 }, TimestampsToReturn.Both);
      item.on('changed', (dv: DataValue) => {
        seen.add(tag.name);
        this.o.onValue(tag, dv);
      });
      item.on('err', (message: string) => this.o.log.warn({ device: this.o.device.id, tag: tag.name, err: message }, 'PLC monitored item failed'));
    }
    // Seed the mirror with one read, so a client reading right after start sees the PLC's
    // values rather than BadWaitingForInitialData; a notification that already arrived wins.
    try {
      const values = await session.read(this.o.tags.map((t) => ({ nodeId: t.opcua!.nodeId, attributeId: AttributeIds.Value })));
      values.forEach((dv, i) => {
        const tag = this.o.tags[i]!;
        if (!seen.has(tag.name)) this.o.onValue(tag, dv);
      });
    } catch (err) {
      this.o.log.warn({ device: this.o.device.id, err: (err as Error).message }, 'initial PLC read failed; the subscription will fill the mirror');
    }
  }

  private live(): ClientSession {
    if (!this.session || !this.isUp()) throw new PlcUnavailable(`PLC ${this.o.device.id} (${this.o.device.endpoint}) is not connected: ${this.down}`);
    return this.session;
  }

  async read(nodeId: string): Promise<DataValue> {
    return this.bounded(`read ${nodeId}`, this.live().read({ nodeId, attributeId: AttributeIds.Value }));
  }

  /** One Write request to the PLC; the PLC's status per node. */
  async write(nodes: readonly { nodeId: string; value: Variant }[]): Promise<StatusCode[]> {
    const session = this.live();
    const results = await this.bounded(`write ${nodes.length} node(s)`, session.write(nodes.map((n) => ({ nodeId: n.nodeId, attributeId: AttributeIds.Value, value: { value: n.value } }))));
    return nodes.map((_, i) => results[i] ?? StatusCodes.BadInternalError);
  }

  async call(objectId: string, methodId: string, inputArguments: readonly Variant[]): Promise<CallMethodResult> {
    return this.bounded(`call ${methodId}`, this.live().call({ objectId, methodId, inputArguments: [...inputArguments] }));
  }

  private async bounded<T>(what: string, p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PlcUnavailable(`PLC ${this.o.device.id} did not answer ${what} within ${this.timeoutMs} ms`, true)), this.timeoutMs);
    });
    try {
      return await Promise.race([p, timeout]);
    } catch (err) {
      if (err instanceof PlcUnavailable) throw err;
      throw new PlcUnavailable(`PLC ${this.o.device.id}: ${what} failed: ${(err as Error).message}`, true);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Never hangs: with the PLC gone, node-opcua's session close and
   * subscription terminate wait for a reconnection that will not come, so
   * they are skipped (or bounded) and disconnect() stops the retries.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    if (this.session && this.isUp()) {
      await settleWithin(this.subscription?.terminate(), 1000);
      await settleWithin(this.session.close(), 1000);
    }
    await settleWithin(this.client.disconnect(), 2000);
    await settleWithin(this.connecting, 1000);
  }
}

/** Waits for `p` to settle, at most `ms`; never rejects. */
function settleWithin(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!p) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.then(() => undefined, () => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}
