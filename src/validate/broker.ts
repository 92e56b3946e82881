/**
 * One MQTT session for the whole run, as the CLI user: requests to
 * governance (tao.request, approvals.list, approve) and to the gateway
 * (stage a TAO). Answers are plain JSON objects.
 */
import { connectMqtt, Requester, topics, type MqttClient } from '../mqtt/index.js';
import type { TlsMaterial } from '../mqtt/tls.js';

export interface BrokerLogin {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Private CA / client certificate for mqtts:// brokers. */
  readonly tls?: TlsMaterial | undefined;
}

export type Answer = Record<string, unknown>;

export class BrokerSession {
  private constructor(
    private readonly client: MqttClient,
    private readonly decisions: Requester,
    private readonly replies: Requester,
  ) {}

  static async open(login: BrokerLogin): Promise<BrokerSession> {
    const client = await connectMqtt(login.url, { username: login.username, password: login.password, clientId: `${login.username}-validate-${process.pid}`, ...(login.tls ? { tls: login.tls } : {}) });
    return new BrokerSession(client, new Requester(client, topics.decisionBase(login.username)), new Requester(client, topics.replyBase(login.username)));
  }

  async governance(body: unknown, deadlineMs = 5000): Promise<Answer> {
    return asAnswer(await this.decisions.request(topics.govRequest, body, deadlineMs));
  }

  async stage(gatewayId: string, envelope: unknown, deadlineMs = 5000): Promise<Answer> {
    return asAnswer(await this.replies.request(topics.stage(gatewayId), { tao: envelope, source: `validate:${process.pid}` }, deadlineMs));
  }

  async close(): Promise<void> {
    this.decisions.close();
    this.replies.close();
    await this.client.endAsync();
  }
}

function asAnswer(x: unknown): Answer {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Answer) : { value: x as never };
}
