/**
 * The gateway's OPC UA client to one PLC (an `opcua` device of the profile):
 * one session for reads, forwarded writes and calls, and one subscription
 * that mirrors every tag of the device into the gateway's own variables
 * (the mirror changes ONLY from here, so a refused value never shows).
 *
 * Connecting is bounded at start-up (the gateway starts even when the PLC
 * is down; the mirror then says BadWaitingForInitialData) and retried in
 * the background; node-opcua re-establishes the session and subscription
 * after a broken connection.
 */
import { join } from 'node:path';
import {
  AttributeIds,
  ClientMonitoredItem,
  ClientSubscription,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
  type CallMethodResult,
  type ClientSession,
  type DataValue,
  type StatusCode,
  type Variant,
} from 'node-opcua';
import type { OpcuaDevice, TagPolicy } from '../../policy/types.js';
import type { GateLogger } from '../gate/ports.js';

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

export interface PlcLinkOptions {
  readonly device: OpcuaDevice;
  /** Tags of this device with an opcua binding: mirrored by the subscription. */
  readonly tags: readonly TagPolicy[];
  readonly pkiDir: string;
  readonly log: GateLogger;
  /** Each PLC data change of a tag, with its real status and source timestamp. */
  readonly onValue: (tag: TagPolicy, value: DataValue) => void;
  /** The connection to the PLC broke (the mirror should stop claiming Good). */
  readonly onLost: () => void;
  readonly timeoutMs?: number;
}

export class OpcuaPlcLink {
  private readonly client: OPCUAClient;
  private session: ClientSession | undefined;
  private subscription: ClientSubscription | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private readonly timeoutMs: number;

  constructor(private readonly o: PlcLinkOptions) {
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.client = OPCUAClient.create({
      // one name for every link: they share one client certificate, made for this name
      applicationName: 'taogate-gateway',
      endpointMustExist: false,
      securityMode: MessageSecurityMode.None,
      securityPolicy: SecurityPolicy.None,
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      defaultTransactionTimeout: this.timeoutMs,
      connectionStrategy: { maxRetry: 1_000_000, initialDelay: 250, maxDelay: 5000 },
      // node-opcua writes $HOME/.config/node-opcua-default without its own folder.
      clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(o.pkiDir, 'plc-client') }),
    });
    this.client.on('connection_lost', () => {
      o.log.warn({ device: o.device.id, endpoint: o.device.endpoint }, 'PLC connection lost');
      o.onLost();
    });
    this.client.on('connection_reestablished', () => o.log.info({ device: o.device.id }, 'PLC connection re-established'));
  }

  /** Connects and starts the mirror; waits at most `waitMs`, then keeps trying in the background. */
  async start(waitMs: number): Promise<void> {
    this.connecting = this.connect().catch((err: Error) => {
      if (!this.closed) this.o.log.error({ device: this.o.device.id, err: err.message }, 'PLC connection failed');
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.connecting, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    if (!this.session) this.o.log.warn({ device: this.o.device.id, endpoint: this.o.device.endpoint }, 'PLC not reachable yet: still trying');
  }

  private async connect(): Promise<void> {
    await this.client.connect(this.o.device.endpoint);
    if (this.closed) return;
    const session = await this.client.createSession();
    this.session = session;
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
      const item = ClientMonitoredItem.create(
        subscription,
        { nodeId: tag.opcua!.nodeId, attributeId: AttributeIds.Value },
        { samplingInterval: 0, discardOldest: true, queueSize: 10 },
        TimestampsToReturn.Both,
      );
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
    this.o.log.info({ device: this.o.device.id, endpoint: this.o.device.endpoint, tags: this.o.tags.length }, 'PLC connected: mirroring');
  }

  private live(): ClientSession {
    if (!this.session || this.client.isReconnecting) throw new PlcUnavailable(`PLC ${this.o.device.id} (${this.o.device.endpoint}) is not connected`);
    return this.session;
  }

  async read(nodeId: string): Promise<DataValue> {
    return this.bounded(`read ${nodeId}`, this.live().read({ nodeId, attributeId: AttributeIds.Value }));
  }

  /** One Write request to the PLC; the PLC's status per node. */
  async write(nodes: readonly { nodeId: string; value: Variant }[]): Promise<StatusCode[]> {
    const session = this.live();
    const results = await this.bounded(
      `write ${nodes.length} node(s)`,
      session.write(nodes.map((n) => ({ nodeId: n.nodeId, attributeId: AttributeIds.Value, value: { value: n.value } }))),
    );
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
    if (this.session && !this.client.isReconnecting) {
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
