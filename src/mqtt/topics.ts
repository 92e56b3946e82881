/**
 * The taogate MQTT topic scheme and its access-control list, as pure
 * functions. The broker (broker.ts) enforces exactly these rules; any other
 * broker can be configured from the same table (see `ACL_RULES`).
 *
 * Every variable level (gateway id, username, correlation id) is a "segment":
 * 1-64 characters of [A-Za-z0-9._-], so it can never smuggle a `/`, `+` or
 * `#` into a topic.
 */
import { covers, isValidFilter, isValidTopicName, parsePattern, type Pattern } from './filter.js';

export const TOPIC_ROOT = 'taogate/v1';

export const ROLES = ['governance', 'gateway', 'client', 'upstream', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking, as the broker authenticated it. A gateway user has a gatewayId. */
export interface AclUser {
  readonly username: string;
  readonly role: Role;
  readonly gatewayId?: string | undefined;
}

const SEGMENT = /^[A-Za-z0-9._-]{1,64}$/;

export function isSegment(value: string): boolean {
  return SEGMENT.test(value);
}

function seg(what: string, value: string): string {
  if (!isSegment(value)) throw new TypeError(`${what} '${value}' is not a valid topic segment (1-64 of A-Z a-z 0-9 . _ -)`);
  return value;
}

// ---- topic builders ----

export const topics = {
  /** A gateway's inline proposals to governance. */
  propose: (gatewayId: string) => `${TOPIC_ROOT}/gov/propose/${seg('gatewayId', gatewayId)}`,
  /** What governance subscribes to for proposals of every gateway. */
  proposeAll: `${TOPIC_ROOT}/gov/propose/+`,
  /** Client requests to governance (tao request, approvals list, approve, reject). */
  govRequest: `${TOPIC_ROOT}/gov/request`,
  /** Retained `online` / `offline` JSON of governance (last will: offline). */
  govStatus: `${TOPIC_ROOT}/gov/status`,
  /** Approval-queue changes published by governance. */
  govEvents: `${TOPIC_ROOT}/gov/events`,
  /** Clients stage a pre-issued TAO at one gateway. */
  stage: (gatewayId: string) => `${TOPIC_ROOT}/gw/${seg('gatewayId', gatewayId)}/stage`,
  /** Base of governance's answers to one user: replies go to `<base>/<corr>`. */
  decisionBase: (username: string) => `${TOPIC_ROOT}/decision/${seg('username', username)}`,
  decision: (username: string, corr: string) => `${topics.decisionBase(username)}/${seg('corr', corr)}`,
  /** Base of other replies to one user (e.g. a gateway's answer to a stage request). */
  replyBase: (username: string) => `${TOPIC_ROOT}/reply/${seg('username', username)}`,
  reply: (username: string, corr: string) => `${topics.replyBase(username)}/${seg('corr', corr)}`,
  /** Receipts a gateway ships upstream, and the upstream's answers. */
  receipts: (gatewayId: string) => `${TOPIC_ROOT}/repl/${seg('gatewayId', gatewayId)}/receipts`,
  receiptsAll: `${TOPIC_ROOT}/repl/+/receipts`,
  replAck: (gatewayId: string) => `${TOPIC_ROOT}/repl/${seg('gatewayId', gatewayId)}/ack`,
  replCosign: (gatewayId: string) => `${TOPIC_ROOT}/repl/${seg('gatewayId', gatewayId)}/cosign`,
  /** The upstream's break-glass feed of one gateway (src/breakglass/feed-wire.ts), and governance's catch-up requests. */
  bgFeed: (gatewayId: string) => `${TOPIC_ROOT}/bg/${seg('gatewayId', gatewayId)}/feed`,
  bgFeedAll: `${TOPIC_ROOT}/bg/+/feed`,
  bgSync: `${TOPIC_ROOT}/bg/sync`,
} as const;

/** The gateway id in `taogate/v1/bg/<gatewayId>/feed`, else undefined. */
export function gatewayOfFeedTopic(topic: string): string | undefined {
  const m = /^taogate\/v1\/bg\/([^/]+)\/feed$/.exec(topic);
  return m?.[1] !== undefined && isSegment(m[1]) ? m[1] : undefined;
}

/** The gateway id in `taogate/v1/gov/propose/<gatewayId>`, else undefined. */
export function gatewayOfProposal(topic: string): string | undefined {
  const prefix = `${TOPIC_ROOT}/gov/propose/`;
  if (!topic.startsWith(prefix)) return undefined;
  const rest = topic.slice(prefix.length);
  return isSegment(rest) ? rest : undefined;
}

/** The username owning a decision/reply topic (`taogate/v1/{decision,reply}/<user>/...`), else undefined. */
export function ownerOfReplyTopic(topic: string): string | undefined {
  const m = /^taogate\/v1\/(?:decision|reply)\/([^/]+)\/[^/]+$/.exec(topic);
  return m?.[1] !== undefined && isSegment(m[1]) ? m[1] : undefined;
}

/**
 * Default for serveRequests: where may a request on `requestTopic` ask its
 * answer to go? Only to a decision/reply topic, and for stage requests (served
 * by a gateway, which may not publish decisions) only to a reply topic. A
 * replyTo outside this would make the broker disconnect the server.
 */
export function replyToAcceptable(replyTo: string, requestTopic: string): boolean {
  if (ownerOfReplyTopic(replyTo) === undefined) return false;
  if (/^taogate\/v1\/gw\/[^/]+\/stage$/.test(requestTopic)) return replyTo.startsWith(`${TOPIC_ROOT}/reply/`);
  return true;
}

// ---- access-control list ----

export interface AclRule {
  readonly action: 'publish' | 'subscribe';
  readonly roles: readonly Role[];
  readonly pattern: string;
  /** What the rule protects; shown in docs and refusal logs. */
  readonly protects: string;
}

const NON_ADMIN: readonly Role[] = ['governance', 'gateway', 'client', 'upstream'];

/**
 * Everything not listed is refused. `{gatewayId}` / `{username}` match only
 * the caller's own value; `+` matches any one level; `#` any deeper levels.
 */
export const ACL_RULES: readonly AclRule[] = [
  // A proposal's topic names its gateway and governance takes that as the audience:
  // only that gateway's own broker user may propose under it (no cross-gateway spoofing).
  { action: 'publish', roles: ['gateway'], pattern: `${TOPIC_ROOT}/gov/propose/{gatewayId}`, protects: 'proposal origin: a gateway proposes only for itself' },
  // Proposals carry actor, tag and value: only governance reads them.
  { action: 'subscribe', roles: ['governance'], pattern: `${TOPIC_ROOT}/gov/propose/+`, protects: 'proposal confidentiality: only governance reads proposals' },
  // CLI actors ask governance (tao request, approvals, approve, reject); gateways use their propose topic.
  { action: 'publish', roles: ['client'], pattern: `${TOPIC_ROOT}/gov/request`, protects: 'request channel: only client users talk to governance here' },
  // Approvals and TAO requests are for governance's eyes only.
  { action: 'subscribe', roles: ['governance'], pattern: `${TOPIC_ROOT}/gov/request`, protects: 'request confidentiality: only governance reads client requests' },
  // Staging carries a signed TAO; the gate verifies audience and signature, the ACL keeps gateways from staging at each other.
  { action: 'publish', roles: ['client'], pattern: `${TOPIC_ROOT}/gw/+/stage`, protects: 'staging channel: only client users present TAOs' },
  // A gateway sees only what is staged at itself.
  { action: 'subscribe', roles: ['gateway'], pattern: `${TOPIC_ROOT}/gw/{gatewayId}/stage`, protects: 'staging isolation: a gateway reads only its own stage topic' },
  // No TAO, no write: nobody but governance may speak as governance (no forged denials, pendings or approvals).
  { action: 'publish', roles: ['governance'], pattern: `${TOPIC_ROOT}/decision/#`, protects: 'decision authenticity: only governance publishes decisions' },
  // A user reads only its own decisions, never another user's TAOs or denials.
  { action: 'subscribe', roles: NON_ADMIN, pattern: `${TOPIC_ROOT}/decision/{username}/#`, protects: 'decision confidentiality: own decisions only' },
  // Gateways answer stage requests; governance answers list/approve requests.
  { action: 'publish', roles: ['gateway', 'governance'], pattern: `${TOPIC_ROOT}/reply/#`, protects: 'reply authenticity: clients and upstream cannot fake replies' },
  // A user reads only its own replies.
  { action: 'subscribe', roles: NON_ADMIN, pattern: `${TOPIC_ROOT}/reply/{username}/#`, protects: 'reply confidentiality: own replies only' },
  // Fail-closed relies on this: nobody else can claim governance is online (or offline).
  { action: 'publish', roles: ['governance'], pattern: `${TOPIC_ROOT}/gov/status`, protects: 'liveness: only governance reports its status' },
  { action: 'subscribe', roles: NON_ADMIN, pattern: `${TOPIC_ROOT}/gov/status`, protects: 'liveness is public to every authenticated user' },
  // The approval queue is announced by governance only.
  { action: 'publish', roles: ['governance'], pattern: `${TOPIC_ROOT}/gov/events`, protects: 'queue events: only governance announces queue changes' },
  { action: 'subscribe', roles: ['governance', 'gateway', 'client'], pattern: `${TOPIC_ROOT}/gov/events`, protects: 'queue events: readable by clients, gateways, console' },
  // A gateway ships only its own chain; the upstream verifies it.
  { action: 'publish', roles: ['gateway'], pattern: `${TOPIC_ROOT}/repl/{gatewayId}/receipts`, protects: 'receipt origin: a gateway ships only its own receipts' },
  { action: 'subscribe', roles: ['upstream'], pattern: `${TOPIC_ROOT}/repl/+/receipts`, protects: 'receipt confidentiality: only the upstream reads receipts' },
  // Acks and cosignatures come from the upstream alone, so a gateway cannot fake its own witness.
  { action: 'publish', roles: ['upstream'], pattern: `${TOPIC_ROOT}/repl/+/ack`, protects: 'ack authenticity: only the upstream acknowledges' },
  { action: 'publish', roles: ['upstream'], pattern: `${TOPIC_ROOT}/repl/+/cosign`, protects: 'cosign authenticity: only the upstream cosigns' },
  { action: 'subscribe', roles: ['gateway'], pattern: `${TOPIC_ROOT}/repl/{gatewayId}/ack`, protects: 'ack isolation: a gateway reads only its own acks' },
  { action: 'subscribe', roles: ['gateway'], pattern: `${TOPIC_ROOT}/repl/{gatewayId}/cosign`, protects: 'cosign isolation: a gateway reads only its own cosignatures' },
  // Break-glass review: the upstream tells governance about every break-glass receipt it holds; governance asks it to catch up.
  { action: 'publish', roles: ['upstream'], pattern: `${TOPIC_ROOT}/bg/+/feed`, protects: 'break-glass feed origin: only the upstream announces break-glass receipts (each is still checked against the gateway signature)' },
  { action: 'subscribe', roles: ['governance'], pattern: `${TOPIC_ROOT}/bg/+/feed`, protects: 'break-glass feed confidentiality: only governance reads it' },
  { action: 'publish', roles: ['governance'], pattern: `${TOPIC_ROOT}/bg/sync`, protects: 'break-glass catch-up: only governance asks the upstream to resend' },
  { action: 'subscribe', roles: ['upstream'], pattern: `${TOPIC_ROOT}/bg/sync`, protects: 'break-glass catch-up: only the upstream answers' },
  // Operators and tests: everything (keep admin credentials off production hosts).
  { action: 'publish', roles: ['admin'], pattern: '#', protects: 'admin: full access' },
  { action: 'subscribe', roles: ['admin'], pattern: '#', protects: 'admin: full access' },
];

/** Topics on which a RETAINED message is accepted: a retained request would replay to every new subscriber. */
export const RETAIN_ALLOWED: readonly string[] = [topics.govStatus];

const COMPILED: readonly (AclRule & { readonly compiled: Pattern })[] = ACL_RULES.map((r) => ({ ...r, compiled: parsePattern(r.pattern) }));

/** The rule that allows `action` on `topicOrFilter` for `user`, or undefined (refused). */
export function findRule(user: AclUser, action: AclRule['action'], topicOrFilter: string): AclRule | undefined {
  if (!isSegment(user.username)) return undefined; // usernames become topic levels
  if (user.role === 'gateway' && (user.gatewayId === undefined || !isSegment(user.gatewayId))) return undefined;
  const own = { username: user.username, gatewayId: user.gatewayId };
  return COMPILED.find((r) => r.action === action && r.roles.includes(user.role) && covers(r.compiled, topicOrFilter, own));
}

/** May `user` publish on `topic`? Wildcards are never valid in a topic name (MQTT-3.3.2-2). */
export function mayPublish(user: AclUser, topic: string): boolean {
  return isValidTopicName(topic) && findRule(user, 'publish', topic) !== undefined;
}

/** May `user` subscribe to `filter`? Only when every topic the filter can match is allowed. */
export function maySubscribe(user: AclUser, filter: string): boolean {
  return isValidFilter(filter) && findRule(user, 'subscribe', filter) !== undefined;
}

/** May a publish on `topic` set the retain flag? (admin: anywhere it may publish) */
export function mayRetain(user: AclUser, topic: string): boolean {
  return user.role === 'admin' || RETAIN_ALLOWED.includes(topic);
}
