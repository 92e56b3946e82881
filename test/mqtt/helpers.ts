/**
 * Shared fixtures for the MQTT tests: one set of generated users (scrypt is
 * slow on purpose, so they are made once), a broker on an ephemeral
 * 127.0.0.1 port, and a registry that closes every client and broker after
 * each test.
 */
import type { MqttClient } from 'mqtt';
import { connectMqtt, generateCredentials, startBroker, type Broker, type ConnectOptions, type UsersFile } from '../../src/mqtt/index.js';

export const GW = 'gw-1';
export const OTHER_GW = 'gw-2';

export const USERS = [
  { username: 'governance', role: 'governance' },
  { username: GW, role: 'gateway', gatewayId: GW },
  { username: OTHER_GW, role: 'gateway', gatewayId: OTHER_GW },
  { username: 'operator', role: 'client' },
  { username: 'console', role: 'client' },
  { username: 'upstream', role: 'upstream' },
  { username: 'root', role: 'admin' },
] as const;
export type TestUser = (typeof USERS)[number]['username'];

let creds: { file: UsersFile; passwords: Record<string, string> } | undefined;
export function credentials(): { file: UsersFile; passwords: Record<string, string> } {
  creds ??= generateCredentials(USERS);
  return creds;
}

/** Closes everything a test opened, newest first. Call `closeAll()` in afterEach. */
export class Cleanup {
  private readonly jobs: (() => Promise<void>)[] = [];

  add(job: () => Promise<void>): void {
    this.jobs.push(job);
  }

  client(c: MqttClient): MqttClient {
    this.add(() => new Promise<void>((resolve) => c.end(true, {}, () => resolve())));
    return c;
  }

  broker(b: Broker): Broker {
    this.add(() => b.close());
    return b;
  }

  async closeAll(): Promise<void> {
    while (this.jobs.length > 0) await this.jobs.pop()!();
  }
}

export async function brokerFor(cleanup: Cleanup, port = 0): Promise<Broker> {
  return cleanup.broker(await startBroker({ port, users: credentials().file }));
}

export async function clientFor(cleanup: Cleanup, broker: Broker | string, user: TestUser, extra: Partial<ConnectOptions> = {}): Promise<MqttClient> {
  const url = typeof broker === 'string' ? broker : broker.url;
  const c = await connectMqtt(url, { username: user, password: credentials().passwords[user]!, initialTimeoutMs: 3000, ...extra });
  return cleanup.client(c);
}

export function once<T extends unknown[]>(emitter: { once(ev: string, fn: (...a: T) => void): unknown }, ev: string, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for '${ev}'`)), ms);
    emitter.once(ev, (...args: T) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Collect every message a client receives. */
export function collect(c: MqttClient): { topic: string; payload: string }[] {
  const got: { topic: string; payload: string }[] = [];
  c.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
  return got;
}

export async function waitFor(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await sleep(5);
  }
}
