/**
 * The governance node on MQTT. It subscribes to gateway proposals and client
 * requests, authenticates each (gateway / actor signatures, approver
 * signatures), decides, and publishes nothing but decisions, its status and
 * approval-queue events.
 */
import type { MqttClient } from 'mqtt';
import type { Json } from '../crypto/canonical.js';
import type { Signer } from '../crypto/ed25519.js';
import { gatewayOfProposal, mqttLogOf, openMqtt, serveRequests, topics, within, type MqttLinkState, type TlsMaterial } from '../mqtt/index.js';
import type { Profile } from '../policy/types.js';
import type { Approval } from '../tao/payload.js';
import { checkSignedMessage, MESSAGE_TYPES, NonceCache } from '../tao/signed.js';
import type { TrustStore } from '../tao/truststore.js';
import { BreakglassReviews } from './breakglass-review.js';
import { startBreakglassIntake, type BreakglassIntake } from './breakglass-intake.js';
import { BreakglassStore } from './breakglass-store.js';
import { Governance } from './governance.js';
import { parseProposal } from './messages.js';
import { viewRequest } from './views.js';

export interface GovernanceLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface GovernanceServiceOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly tls?: TlsMaterial | undefined;
  /** How long the start waits for the broker before going on without it (default 5000 ms); the client keeps retrying for ever. */
  readonly brokerWaitMs?: number;
  readonly profile: Profile;
  readonly trust: TrustStore;
  readonly signer: Signer;
  readonly log: GovernanceLogger;
  readonly now?: () => number;
  /** Keeps pending approval requests across restarts (e.g. DATA/governance/approvals.json). */
  readonly statePath?: string;
  /** Governance's break-glass record (LevelDB dir, e.g. DATA/governance/breakglass): without it, no break-glass review. */
  readonly breakglassDir?: string;
  /** How often an unanswered break-glass catch-up is asked again (default 15 s). */
  readonly breakglassSyncRetryMs?: number;
}

/** Break-glass review at governance: the record, the feed intake, the review list. */
export interface GovernanceBreakglass {
  readonly store: BreakglassStore;
  readonly intake: BreakglassIntake;
  readonly reviews: BreakglassReviews;
}

export interface GovernanceService {
  readonly governance: Governance;
  readonly client: MqttClient;
  /** With breakglassDir: the break-glass review (windows learned from the upstream's feed). */
  readonly breakglass: GovernanceBreakglass | undefined;
  /** The broker link: connected, since when, the last configuration problem. */
  mqttState(): MqttLinkState;
  close(): Promise<void>;
}

/** How old a signed request may be (seconds); nonces are remembered this long. */
const MAX_REQUEST_AGE_S = 60;

export async function startGovernanceService(o: GovernanceServiceOptions): Promise<GovernanceService> {
  const now = o.now ?? Date.now;
  const nonces = new NonceCache();
  let client: MqttClient | undefined;
  const governance = new Governance({
    profile: o.profile,
    trust: o.trust,
    signer: o.signer,
    now,
    statePath: o.statePath,
    onStateError: (err) => o.log.error({ err: err.message, file: o.statePath }, 'approval queue state not saved'),
    onRequestChange: (r) => {
      client?.publish(topics.govEvents, JSON.stringify({ type: 'request', request: viewRequest(r, o.profile, now()) }), { qos: 1 });
    },
  });
  // Started without waiting for the broker: it retries with backoff for ever (boot order, outages).
  const mqtt = openMqtt(o.url, {
    username: o.username,
    password: o.password,
    clientId: `governance-${process.pid}`,
    tls: o.tls,
    log: mqttLogOf(o.log),
    will: { topic: topics.govStatus, payload: JSON.stringify({ status: 'offline' }), qos: 1, retain: true },
  });
  client = mqtt.client;
  let breakglass: GovernanceBreakglass | undefined;
  if (o.breakglassDir !== undefined) {
    let store: BreakglassStore;
    try {
      store = await BreakglassStore.open(o.breakglassDir);
    } catch (err) {
      await client.endAsync().catch(() => undefined);
      throw err;
    }
    const reviews = new BreakglassReviews({ store, profile: o.profile, trust: o.trust, now });
    const intake = startBreakglassIntake({ client, trust: o.trust, store, log: o.log, now, onStored: () => reviews.changed(), syncRetryMs: o.breakglassSyncRetryMs });
    reviews.changed();
    breakglass = { store, intake, reviews };
  }
  const publishStatus = () => client?.publish(topics.govStatus, JSON.stringify({ status: 'online', gateway: o.profile.gateway.id, policy: o.profile.policyHash, ts: now() }), { qos: 1, retain: true });
  client.on('connect', publishStatus);

  const proposalsServed = serveRequests(client, topics.proposeAll, async (body, meta) => {
    const gateway = gatewayOfProposal(meta.topic) ?? '';
    if ((body as { type?: unknown } | null)?.type === 'ping') return { ok: true, gateway: o.profile.gateway.id, policy: o.profile.policyHash };
    const nowSeconds = Math.floor(now() / 1000);
    const checked = checkSignedMessage(body, {
      trust: o.trust,
      typ: MESSAGE_TYPES.propose,
      role: 'gateway',
      expectedSigner: (msg) => (msg.gateway === gateway ? gateway : undefined),
      nowSeconds,
      maxAgeSeconds: MAX_REQUEST_AGE_S,
      nonces,
    });
    if (!checked.ok) {
      o.log.warn({ topic: meta.topic, corr: meta.corr, code: checked.code, reason: checked.reason }, 'inline proposal refused');
      return { decision: 'deny', code: checked.code, reason: checked.reason };
    }
    const proposal = parseProposal(checked.msg.proposal);
    if (typeof proposal === 'string') return { decision: 'deny', code: 'malformed', reason: proposal };
    const actor = o.profile.actors.get(proposal.actor);
    if (actor && actor.modbusSources.length === 0 && !actor.opcua) {
      return { decision: 'deny', code: 'not_speaker', reason: `gateway ${gateway} may not propose for ${actor.id} (no front identifies that actor)` };
    }
    const decision = governance.decide(proposal, checked.signer);
    // req: the gateway's write request id (the gateway logs it as `req` too); corr: the MQTT request's id.
    o.log.info({ via: 'inline', corr: meta.corr, ...(typeof checked.msg.req === 'string' ? { req: checked.msg.req } : {}), gateway, actor: proposal.actor, target: proposal.target, value: proposal.value, decision: decision.decision, ...(decision.decision === 'issue' ? { jti: decision.jti } : decision.decision === 'deny' ? { code: decision.code } : { request: decision.request }) }, 'proposal decided');
    return decision as unknown as Json;
  });

  const requestsServed = serveRequests(client, topics.govRequest, async (body, meta) => {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const nowMs = now();
    switch (b.type) {
      case 'ping':
        return { ok: true, gateway: o.profile.gateway.id, policy: o.profile.policyHash, ts: nowMs };
      case 'approvals.list':
        governance.queue.expire(nowMs);
        return { requests: governance.queue.list().map((r) => viewRequest(r, o.profile, nowMs)) };
      case 'tao.request': {
        const checked = checkSignedMessage(b.signed, {
          trust: o.trust,
          typ: MESSAGE_TYPES.taoRequest,
          role: 'actor',
          expectedSigner: (msg) => {
            const p = msg.proposal as { actor?: unknown } | null;
            return p && typeof p.actor === 'string' ? p.actor : undefined;
          },
          nowSeconds: Math.floor(nowMs / 1000),
          maxAgeSeconds: MAX_REQUEST_AGE_S,
          nonces,
        });
        if (!checked.ok) return { decision: 'deny', code: checked.code, reason: checked.reason };
        const proposal = parseProposal(checked.msg.proposal);
        if (typeof proposal === 'string') return { decision: 'deny', code: 'malformed', reason: proposal };
        const aud = typeof checked.msg.aud === 'string' ? checked.msg.aud : o.profile.gateway.id;
        const decision = governance.decide(proposal, aud);
        o.log.info({ via: 'pre-issued', corr: meta.corr, actor: proposal.actor, target: proposal.target, value: proposal.value, decision: decision.decision }, 'TAO request decided');
        return decision as unknown as Json;
      }
      case 'breakglass.list':
        if (!breakglass) return { error: 'malformed', reason: 'break-glass review is not enabled on this governance node' };
        return { windows: (await breakglass.reviews.list({ pending: b.pending === true })) as unknown as Json };
      case 'breakglass.review': {
        if (!breakglass) return { error: 'malformed', reason: 'break-glass review is not enabled on this governance node' };
        const result = await breakglass.reviews.review(b.signed);
        o.log.warn({ corr: meta.corr, ...(result.ok ? { gateway: result.gateway, grant: result.grant, state: result.state } : { code: result.code, reason: result.reason }) }, result.ok ? 'break-glass review recorded' : 'break-glass review refused');
        return result as unknown as Json;
      }
      case 'approve': {
        const result = governance.approve(b.approval as Approval);
        o.log.info({ request: (b.approval as { request?: string } | undefined)?.request, approver: (b.approval as { approver?: string } | undefined)?.approver, ...result }, 'approval answered');
        return result as unknown as Json;
      }
      default:
        return { error: 'malformed', reason: `unknown request type ${JSON.stringify(b.type)}` };
    }
  });
  proposalsServed.catch(() => undefined); // awaited below
  requestsServed.catch(() => undefined);
  const served = Promise.all([mqtt.connected, proposalsServed, requestsServed, ...(breakglass ? [breakglass.intake.subscribed] : [])]);
  // With the broker there, wait for the subscriptions (a refused ACL fails the start); without it, go on.
  let online: boolean;
  try {
    online = await within(served, o.brokerWaitMs ?? 5000);
  } catch (err) {
    breakglass?.intake.close();
    await client.endAsync().catch(() => undefined);
    await breakglass?.store.close().catch(() => undefined);
    throw err;
  }
  if (!online) {
    o.log.warn({ broker: o.url, problem: mqtt.state().problem }, 'broker not reachable: governance keeps retrying with backoff');
    served.catch((err: Error) => o.log.error({ broker: o.url, err: err.message }, 'broker refused a subscription of governance: check its ACL'));
  }
  let proposals: { close(): Promise<void> } | undefined;
  let requests: { close(): Promise<void> } | undefined;
  proposalsServed.then((s) => (proposals = s), () => undefined);
  requestsServed.then((s) => (requests = s), () => undefined);

  return {
    governance,
    client,
    breakglass,
    mqttState: mqtt.state,
    async close() {
      await proposals?.close();
      await requests?.close();
      if (client!.connected) await new Promise<void>((resolve) => client!.publish(topics.govStatus, JSON.stringify({ status: 'offline' }), { qos: 1, retain: true }, () => resolve()));
      breakglass?.intake.close();
      await client!.endAsync();
      await breakglass?.intake.idle();
      await breakglass?.store.close();
    },
  };
}
