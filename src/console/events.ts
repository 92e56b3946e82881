/**
 * One live stream per page (Server-Sent Events): every feed pushes into one
 * rxjs Subject, each open page subscribes, and unsubscribes when its
 * connection closes. A comment line every 15 s keeps proxies from timing out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Subject, type Subscription } from 'rxjs';

export type ConsoleEventName = 'approvals' | 'receipts' | 'chain' | 'trend';

export interface ConsoleEvent {
  readonly event: ConsoleEventName;
  readonly data: unknown;
}

export class EventHub {
  private readonly events = new Subject<ConsoleEvent>();
  private readonly open = new Set<ServerResponse>();

  emit(event: ConsoleEventName, data: unknown): void {
    this.events.next({ event, data });
  }

  /** Serves one SSE connection; `initial` are sent first (the current state of every view). */
  serve(req: IncomingMessage, res: ServerResponse, initial: readonly ConsoleEvent[]): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.write('retry: 1000\n\n');
    for (const e of initial) write(res, e);
    const sub: Subscription = this.events.subscribe((e) => write(res, e));
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    ping.unref();
    this.open.add(res);
    const done = () => {
      clearInterval(ping);
      sub.unsubscribe();
      this.open.delete(res);
    };
    req.once('close', done);
    res.once('close', done);
  }

  get clients(): number {
    return this.open.size;
  }

  close(): void {
    for (const res of this.open) res.end();
    this.open.clear();
    this.events.complete();
  }
}

function write(res: ServerResponse, e: ConsoleEvent): void {
  res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
}
