/**
 * Live updates for open tabs, over Server-Sent Events at `GET /tab/api/events`.
 *
 * Every audit event is announced by the database at commit (NOTIFY `runsheet_audit`, a trigger on
 * audit_events, migration 0004), whichever instance or process wrote it: engine commands, imports,
 * chapter plan edits, the bot, the CLI. One LiveEventHub per process LISTENs; on each notification
 * it reads the new events from audit_events (one query per burst, whatever the number of open
 * tabs) and hands them, in seq order, to every open stream. Commit order is seq order (every
 * append locks audit_head until commit), so reading `seq > last` misses nothing; after a lost
 * listener connection the hub reads what it missed the same way.
 *
 * Each SSE event's id is the audit seq. A client that reconnects sends `Last-Event-ID` (or
 * `?after=`), and the stream first replays what it missed from audit_events, then goes live; when
 * more than REPLAY_LIMIT events were missed it sends `event: reset` and the page reloads its data.
 * A comment line every 15 s keeps proxies from closing an idle stream and lets the page notice a
 * dead one. Streams are authenticated like every /tab/api call: the page reads them with fetch
 * (not EventSource), so the Bearer token travels in a header, never in a URL that logs keep.
 */
import type restify from 'restify';
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Database } from '../db/client.js';
import type { Unlisten } from '../db/listen.js';
import type { Logger } from '../logger.js';
import { setSseClients } from '../observability/metrics.js';
import type { TabAuthenticator } from './tab-auth.js';
import { authenticateRequest } from './tab-routes.js';

export const AUDIT_CHANNEL = 'runsheet_audit';
/** A reconnect that missed more than this gets `event: reset` rather than the whole backlog. */
export const REPLAY_LIMIT = 2_000;
const HEARTBEAT_MS = 15_000;
const PAGE = 1_000;

/** What a stream tells the page about one audit event: enough to decide what to re-read. */
export interface LiveEvent {
  seq: number;
  at: string;
  iteration: string | null;
  subject: string;
  type: string;
}

interface Subscriber {
  deliver(event: LiveEvent): void;
  /** Ends the stream (the service is stopping); the page reconnects, to this or another instance. */
  close(): void;
}

async function eventsAfter(database: Database, after: number, limit: number): Promise<LiveEvent[]> {
  const rows = await queryRows<{
    seq: number | string;
    at: Date | string;
    iteration: string | null;
    subject: string;
    type: string;
  }>(
    database.db,
    sql`select seq, at, iteration, subject, type from audit_events where seq > ${after} order by seq limit ${limit}`,
  );
  return rows.map((row) => ({
    seq: Number(row.seq),
    at: toDate(row.at)!.toISOString(),
    iteration: row.iteration,
    subject: row.subject,
    type: row.type,
  }));
}

/** The latest audit seq (0 for an empty log). */
export async function latestAuditSeq(database: Database): Promise<number> {
  const [head] = await queryRows<{ seq: number | string }>(
    database.db,
    sql`select seq from audit_head where id = 1`,
  );
  return Number(head?.seq ?? 0);
}

/** One per process: LISTENs for audit events and fans them out to the open streams. */
export class LiveEventHub {
  private lastSeq = 0;
  private readonly subscribers = new Set<Subscriber>();
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private unlisten: Unlisten | undefined;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  /** The last seq handed to subscribers. */
  get seq(): number {
    return this.lastSeq;
  }

  get streams(): number {
    return this.subscribers.size;
  }

  async start(): Promise<void> {
    this.lastSeq = await latestAuditSeq(this.database);
    this.unlisten = await this.database.listen(AUDIT_CHANNEL, {
      onNotify: () => this.catchUp(),
      onReconnect: () => {
        this.logger.info('tab live events: listening again; reading what was missed');
        this.catchUp();
      },
      onError: (error) =>
        this.logger.warn({ err: error }, 'tab live events: the listener lost its connection'),
    });
    // An event committed between reading the head and LISTEN would otherwise wait for the next one.
    this.catchUp();
  }

  /** Ends every open stream: without this, a stopping server would wait for the pages to leave. */
  closeStreams(): void {
    for (const subscriber of [...this.subscribers]) subscriber.close();
  }

  async stop(): Promise<void> {
    this.closeStreams();
    await this.unlisten?.();
    this.unlisten = undefined;
    await this.reading;
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    setSseClients(this.subscribers.size);
    return () => {
      this.subscribers.delete(subscriber);
      setSseClients(this.subscribers.size);
    };
  }

  /** Reads the events after the last one handed out; a burst of notifications shares one read. */
  catchUp(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        for (;;) {
          const events = await eventsAfter(this.database, this.lastSeq, PAGE);
          for (const event of events) {
            this.lastSeq = event.seq;
            for (const subscriber of this.subscribers) subscriber.deliver(event);
          }
          if (events.length < PAGE) break;
        }
      } while (this.readAgain);
    })()
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'tab live events: cannot read audit events'),
      )
      .finally(() => {
        this.reading = undefined;
      });
  }
}

function frame(event: LiveEvent): string {
  return `id: ${event.seq}\nevent: change\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Mounts `GET /tab/api/events`; see the file comment. */
export function mountLiveEvents(
  server: restify.Server,
  options: { hub: LiveEventHub; authenticate: TabAuthenticator; database: Database; logger: Logger },
): void {
  const { hub, authenticate, database } = options;
  server.get('/tab/api/events', async (req, res) => {
    const user = await authenticateRequest(req, res, authenticate);
    if (!user) return;
    const given = req.header('last-event-id') || String((req.query as Record<string, unknown>)?.after ?? '');
    const after = /^\d+$/.test(given) ? Number(given) : null;

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n: hello ${user.email}\n\n`);

    // Live events arriving while the backlog is read wait here, then go out without repeats.
    let sent = after ?? hub.seq;
    let waiting: LiveEvent[] | null = [];
    const send = (event: LiveEvent) => {
      if (event.seq <= sent) return;
      sent = event.seq;
      res.write(frame(event));
    };
    let close = () => undefined as void;
    const closed = new Promise<void>((resolve) => {
      close = resolve;
      req.on('close', resolve);
    });
    const unsubscribe = hub.subscribe({
      deliver: (event) => (waiting ? waiting.push(event) : send(event)),
      close: () => close(),
    });
    const heartbeat = setInterval(() => res.write(`: heartbeat\n\n`), HEARTBEAT_MS);
    try {
      if (after !== null) {
        const missed = await eventsAfter(database, after, REPLAY_LIMIT + 1);
        if (missed.length > REPLAY_LIMIT) {
          const latest = await latestAuditSeq(database);
          sent = latest;
          res.write(`id: ${latest}\nevent: reset\ndata: ${JSON.stringify({ seq: latest })}\n\n`);
        } else missed.forEach(send);
      }
      const queued = waiting;
      waiting = null;
      queued.forEach(send);
      // Held open until the page goes away, so the request log shows the stream's whole life.
      await closed;
    } finally {
      clearInterval(heartbeat);
      unsubscribe();
      res.end();
    }
  });
}
