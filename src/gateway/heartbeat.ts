/**
 * Watches whether governance answers: a ping over the gateway's own proposal
 * channel every interval, with a short deadline. /readyz reads the result;
 * the gate does not depend on it (every write has its own deadline).
 */
import { topics, type Requester } from '../mqtt/index.js';

export class GovernanceHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private lastOk = 0;
  private lastError = 'no answer yet';

  constructor(
    private readonly requester: Requester,
    private readonly gatewayId: string,
    private readonly intervalMs = 1000,
    private readonly deadlineMs = 500,
  ) {}

  start(): void {
    const tick = async () => {
      try {
        const answer = (await this.requester.request(topics.propose(this.gatewayId), { type: 'ping' }, this.deadlineMs)) as { ok?: unknown };
        if (answer.ok === true) this.lastOk = Date.now();
        else this.lastError = 'unexpected ping answer';
      } catch (err) {
        this.lastError = (err as Error).message;
      }
    };
    void tick();
    this.timer = setInterval(() => void tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** When governance last answered a ping (ms since the epoch; 0 = never), for readiness checks with their own window. */
  get lastAnswerAt(): number {
    return this.lastOk;
  }

  /** Governance answered within the last two intervals. */
  status(): { ok: boolean; detail?: string } {
    const age = Date.now() - this.lastOk;
    return age <= this.intervalMs * 2 ? { ok: true } : { ok: false, detail: `governance silent for ${this.lastOk ? `${age} ms` : 'ever'}: ${this.lastError}` };
  }
}
