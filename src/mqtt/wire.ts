/**
 * Request/response envelopes that work on any MQTT 3.1.1 broker: the reply
 * topic and correlation id travel in the JSON payload, not in MQTT 5
 * properties.
 *
 *   request: { "corr": <32 hex = 128 bits>, "replyTo": <topic>, "deadline": <ms epoch>, "body": <json> }
 *   reply:   { "corr": <same>, "body": <json> }
 */
import { randomBytes } from 'node:crypto';
import { isValidTopicName } from './filter.js';

export interface RequestEnvelope {
  readonly corr: string;
  readonly replyTo: string;
  readonly deadline: number;
  readonly body: unknown;
}

export interface ReplyEnvelope {
  readonly corr: string;
  readonly body: unknown;
}

const CORR = /^[0-9a-fA-F]{32}$/;

/** A fresh 128-bit correlation id, lowercase hex. */
export function newCorr(): string {
  return randomBytes(16).toString('hex');
}

export function encodeRequest(req: RequestEnvelope): string {
  return JSON.stringify({ corr: req.corr, replyTo: req.replyTo, deadline: req.deadline, body: req.body ?? null });
}

export function encodeReply(reply: ReplyEnvelope): string {
  return JSON.stringify({ corr: reply.corr, body: reply.body ?? null });
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function parseObject(payload: Buffer | string): Parsed<Record<string, unknown>> {
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'payload is not a JSON object' };
  return { ok: true, value: json as Record<string, unknown> };
}

/** Parse an untrusted request payload. Never throws. */
export function parseRequest(payload: Buffer | string): Parsed<RequestEnvelope> {
  const obj = parseObject(payload);
  if (!obj.ok) return obj;
  const { corr, replyTo, deadline, body } = obj.value;
  if (typeof corr !== 'string' || !CORR.test(corr)) return { ok: false, reason: 'corr must be 32 hex digits' };
  if (typeof replyTo !== 'string' || !isValidTopicName(replyTo) || replyTo.startsWith('$')) {
    return { ok: false, reason: 'replyTo must be a topic name without wildcards' };
  }
  if (typeof deadline !== 'number' || !Number.isFinite(deadline)) return { ok: false, reason: 'deadline must be a number (ms since epoch)' };
  return { ok: true, value: { corr, replyTo, deadline, body } };
}

/** Parse an untrusted reply payload. Never throws. */
export function parseReply(payload: Buffer | string): Parsed<ReplyEnvelope> {
  const obj = parseObject(payload);
  if (!obj.ok) return obj;
  const { corr, body } = obj.value;
  if (typeof corr !== 'string' || !CORR.test(corr)) return { ok: false, reason: 'corr must be 32 hex digits' };
  return { ok: true, value: { corr: corr.toLowerCase(), body } };
}
