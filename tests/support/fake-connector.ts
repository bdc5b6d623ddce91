/**
 * A Bot Connector stand-in on 127.0.0.1 for tests that run the service as a child process (nock
 * cannot reach into another process). It accepts every POST and PUT under
 * `/v3/conversations/{id}/activities[/{id}]`, records them with the step their card is about, and
 * can hold a request before answering, to keep a job in flight.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  method: string;
  conversationId: string;
  activityId: string | null;
  /** The step whose card the activity carries (`"step":"…"` in its actions' data), if any. */
  step: string | null;
}

export class TestConnector {
  readonly calls: ConnectorCall[] = [];
  /** Requests that arrived, answered or not; `answered` counts those that got their response. */
  answered = 0;
  /** Milliseconds to hold each request before answering; tests change it between phases. */
  delayMs = 0;
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly waiting = new Set<() => void>();
  private nextId = 1_800_000_000_000;

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Resolves once `test` holds for the calls received; polls on each arrival. */
  until(test: (calls: readonly ConnectorCall[]) => boolean, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!test(this.calls)) return;
        this.waiting.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.delete(check);
        reject(
          new Error(
            `the connector did not see what was awaited within ${timeoutMs} ms (${this.calls.length} calls)`,
          ),
        );
      }, timeoutMs);
      this.waiting.add(check);
      check();
    });
  }

  /** POSTs of step cards, by step. */
  postsByStep(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const call of this.calls)
      if (call.method === 'POST' && call.step !== null)
        counts.set(call.step, (counts.get(call.step) ?? 0) + 1);
    return counts;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?$/.exec(req.url ?? '');
      if (!match || (req.method !== 'POST' && req.method !== 'PUT')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NotFound"}}');
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const activityId = match[2] === undefined ? null : decodeURIComponent(match[2]);
      const call: ConnectorCall = {
        method: req.method,
        conversationId: decodeURIComponent(match[1]!),
        activityId,
        step: /"step":"([^"]+)"/.exec(body)?.[1] ?? null,
      };
      this.calls.push(call);
      for (const check of [...this.waiting]) check();
      const answer = () => {
        this.answered += 1;
        const id = activityId ?? String(this.nextId++);
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id }));
      };
      if (this.delayMs > 0) setTimeout(answer, this.delayMs);
      else answer();
    });
  }
}
