/**
 * Local mode's stand-in for the Bot Connector: the real bot sends its posts, replies and updates
 * here (the dev page sets `serviceUrl` to this endpoint), and the dev page reads them back. It
 * speaks the same REST shapes as the Bot Connector, so the bot code cannot tell the difference.
 * Kept in a JSON file in the data directory so that card ids survive a restart, as in Teams.
 * Only mounted in local mode.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type restify from 'restify';

export const DEV_CONNECTOR_PATH = '/dev/connector/';

export interface DevActivity {
  id: string;
  conversationId: string;
  replyToId: string | null;
  /** The activity as the bot sent it (text, attachments, …), last version. */
  activity: Record<string, unknown>;
  createdAt: string;
  updatedAt: string | null;
  /** How many times the bot updated it in place. */
  updates: number;
}

interface DevConnectorState {
  activities: DevActivity[];
}

/** In-memory store of what the bot sent, persisted to `file`. */
export class DevConnectorStore {
  private state: DevConnectorState;
  private sequence = 0;

  constructor(private readonly file: string | null) {
    this.state =
      file && fs.existsSync(file)
        ? (JSON.parse(fs.readFileSync(file, 'utf8')) as DevConnectorState)
        : { activities: [] };
  }

  /** A new post (`replyToId` null) or a reply in a thread; returns the id Teams would return. */
  add(conversationId: string, activity: Record<string, unknown>, replyToId: string | null): DevActivity {
    // Teams message ids are numeric timestamps; keep that shape so nothing relies on ours being different.
    const id = `${Date.now()}${String(this.sequence++ % 1000).padStart(3, '0')}`;
    const entry: DevActivity = {
      id,
      conversationId,
      replyToId,
      activity: { ...activity, id },
      createdAt: new Date().toISOString(),
      updatedAt: null,
      updates: 0,
    };
    this.state.activities.push(entry);
    this.save();
    return entry;
  }

  /** Replaces an activity in place; false when there is no such activity (the connector answers 404). */
  update(conversationId: string, activityId: string, activity: Record<string, unknown>): boolean {
    const entry = this.state.activities.find(
      (a) => a.id === activityId && a.conversationId === conversationId,
    );
    if (!entry) return false;
    entry.activity = { ...activity, id: activityId };
    entry.updatedAt = new Date().toISOString();
    entry.updates++;
    this.save();
    return true;
  }

  list(conversationId?: string): DevActivity[] {
    return this.state.activities.filter(
      (a) => conversationId === undefined || a.conversationId === conversationId,
    );
  }

  private save(): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${randomUUID()}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(this.state));
    fs.renameSync(temporary, this.file);
  }
}

/** Mounts the connector's REST routes (the subset of the Bot Connector API the bot uses). */
export function mountDevConnector(server: restify.Server, store: DevConnectorStore): void {
  const base = '/dev/connector/v3/conversations/:conversationId/activities';
  server.post(base, async (req, res) => {
    const entry = store.add(
      req.params.conversationId as string,
      (req.body ?? {}) as Record<string, unknown>,
      null,
    );
    res.json(201, { id: entry.id });
  });
  server.post(`${base}/:activityId`, async (req, res) => {
    const entry = store.add(
      req.params.conversationId as string,
      (req.body ?? {}) as Record<string, unknown>,
      req.params.activityId as string,
    );
    res.json(201, { id: entry.id });
  });
  server.put(`${base}/:activityId`, async (req, res) => {
    const updated = store.update(
      req.params.conversationId as string,
      req.params.activityId as string,
      (req.body ?? {}) as Record<string, unknown>,
    );
    if (updated) res.json(200, { id: req.params.activityId });
    else
      res.json(404, {
        error: { code: 'ActivityNotFound', message: `no activity ${req.params.activityId as string}` },
      });
  });
  server.get('/dev/api/activities', async (req, res) => {
    const conversationId = typeof req.query?.conversation === 'string' ? req.query.conversation : undefined;
    res.json(200, store.list(conversationId));
  });
}
