/** A short-lived broker session for one CLI command. */
import { connectMqtt, NotConnectedError, RequestTimeoutError, Requester, topics } from '../mqtt/index.js';
import { brokerLogin, type BrokerLoginOptions } from './broker-creds.js';
import { CliError } from './exit.js';

export interface BrokerSession {
  /** Ask governance (answers arrive on this user's decision topic). */
  governance(body: unknown, deadlineMs?: number): Promise<unknown>;
  /** Ask a gateway (answers arrive on this user's reply topic). */
  gateway(topic: string, body: unknown, deadlineMs?: number): Promise<unknown>;
}

export async function withBroker<T>(opts: BrokerLoginOptions, fn: (s: BrokerSession) => Promise<T>): Promise<T> {
  const login = brokerLogin(opts);
  let client;
  try {
    client = await connectMqtt(login.url, { username: login.username, password: login.password, clientId: `${login.username}-cli-${process.pid}-${Date.now() % 100000}`, tls: login.tls });
  } catch (err) {
    throw new CliError(`cannot connect to the broker at ${login.url} as ${login.username}: ${(err as Error).message}`);
  }
  const decisions = new Requester(client, topics.decisionBase(login.username));
  const replies = new Requester(client, topics.replyBase(login.username));
  const call = async (r: Requester, topic: string, body: unknown, deadlineMs: number, who: string) => {
    try {
      return await r.request(topic, body, deadlineMs);
    } catch (err) {
      if (err instanceof RequestTimeoutError) throw new CliError(`${who} did not answer within ${deadlineMs} ms (is it running?)`);
      if (err instanceof NotConnectedError) throw new CliError(`lost the broker connection at ${login.url}`);
      throw err;
    }
  };
  try {
    return await fn({
      governance: (body, deadlineMs = 5000) => call(decisions, topics.govRequest, body, deadlineMs, 'governance'),
      gateway: (topic, body, deadlineMs = 5000) => call(replies, topic, body, deadlineMs, 'the gateway'),
    });
  } finally {
    decisions.close();
    replies.close();
    await client.endAsync();
  }
}
