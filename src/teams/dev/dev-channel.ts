/**
 * Local mode's dev channel: a page at `/dev` that plays Teams for someone without Teams. It drives
 * the real bot: the page posts Teams-shaped activities to `/api/messages` (messages, card
 * `adaptiveCard/action` invokes) with `serviceUrl` pointing at the built-in connector
 * (dev-connector.ts), where the bot's replies, card posts and in-place updates land and the page
 * reads them back. Mounted only in local mode (no app id configured).
 *
 * Routes:
 * - `GET /dev`: the page (public/index.html, dev.js, dev.css, served from the source folder so it
 *   works from dist/ too, with no build step), and Microsoft's Adaptive Cards renderer from
 *   node_modules at `/dev/vendor/adaptivecards.min.js`;
 * - `GET /dev/api/state`: the directory's people, the channels the bot knows, the plan and the
 *   active iteration (what the page needs to play Teams);
 * - `POST /dev/api/posts`: records a person's channel post in the connector store, as Teams keeps
 *   the messages people write, and returns its id for the activity the page then sends the bot;
 * - `POST /dev/api/demo`: the demo plan, people and channels in one click (dev-demo.ts).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from '../../db/orm.js';
import type restify from 'restify';
import type { Config } from '../../config.js';
import { packageRoot, queryRows } from '../../db/client.js';
import { roleOf, type Directory } from '../../directory/directory.js';
import { loadJsonDirectory } from '../../directory/local-json-directory.js';
import { SwitchableDirectory } from '../../directory/switchable-directory.js';
import type { Engine } from '../../engine/engine.js';
import { findIterationByName, listIterations, listReadySteps } from '../../engine/read-models.js';
import type { Logger } from '../../logger.js';
import { DEV_CONNECTOR_PATH, type DevConnectorStore } from '../dev-connector.js';
import { DEV_BOT, DEV_TENANT_ID, devTeamsUserId, recordedPost } from './dev-activities.js';
import { DemoError, devDirectoryFile, planIsEmpty, PILOTS_CHANNEL_NAME, setUpDemo } from './dev-demo.js';

export interface DevChannelOptions {
  config: Config;
  engine: Engine;
  /** A SwitchableDirectory lets the demo load its people when none is configured. */
  directory: Directory;
  store: DevConnectorStore;
  logger: Logger;
}

/** The page's static files: in the source tree, found from src/ and from dist/src/ alike. */
export const devPublicFolder = () => path.join(packageRoot(), 'src', 'teams', 'dev', 'public');

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/dev': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dev/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dev/static/dev.js': { file: 'dev.js', type: 'text/javascript; charset=utf-8' },
  '/dev/static/dev-mail.js': { file: 'dev-mail.js', type: 'text/javascript; charset=utf-8' },
  '/dev/static/dev.css': { file: 'dev.css', type: 'text/css; charset=utf-8' },
};

function adaptiveCardsBundle(): string {
  const entry = createRequire(import.meta.url).resolve('adaptivecards');
  return path.join(path.dirname(entry), '..', 'dist', 'adaptivecards.min.js');
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

async function sendFile(res: restify.Response, file: string, type: string): Promise<void> {
  let body: Buffer;
  try {
    body = await fs.promises.readFile(file);
  } catch (error) {
    res.json(500, { error: `cannot read ${path.basename(file)}: ${(error as Error).message}` });
    return;
  }
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, ...SECURITY_HEADERS });
  res.end(body);
}

/**
 * The dev API's writes only accept JSON, so that a page on another site cannot trigger them with a
 * plain form post (a JSON request from another origin needs a preflight this server never grants).
 */
function isJson(req: restify.Request): boolean {
  return /^application\/json\b/i.test(req.header('content-type') ?? '');
}

/** This server as it is reached from inside the machine: `http://127.0.0.1:3978`. */
export function localBaseUrl(server: restify.Server): string {
  const address = server.address() as AddressInfo | null;
  if (!address) throw new Error('the server is not listening yet');
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** Mounts the dev channel's routes; call only in local mode. */
export function mountDevChannel(server: restify.Server, options: DevChannelOptions): void {
  const { config, engine, directory, store, logger } = options;
  const db = engine.database.db;

  // A demo directory loaded earlier (and no directory configured): use it again after a restart.
  const keptDirectory = devDirectoryFile(config.dataDir);
  if (
    config.directoryFile === undefined &&
    directory instanceof SwitchableDirectory &&
    directory.allUsers().length === 0 &&
    fs.existsSync(keptDirectory)
  ) {
    directory.replace(loadJsonDirectory(keptDirectory));
    logger.warn(
      { directory: keptDirectory, users: directory.allUsers().length },
      'local mode: using the demo people the dev channel loaded earlier (set RUNSHEET_DIRECTORY to use your own)',
    );
  }

  const selfUrl = () => localBaseUrl(server);
  const serviceUrl = () => `${selfUrl()}${DEV_CONNECTOR_PATH}`;

  // Dev channels remembered by an earlier run that listened elsewhere (another PORT) would send
  // the cards nowhere; point them at this run's connector once it listens.
  let repointed = false;
  const repointDevChannels = async () => {
    if (repointed) return;
    repointed = true;
    const url = serviceUrl();
    await db.execute(sql`update conversation_refs
        set service_url = ${url}, reference = jsonb_set(reference, '{serviceUrl}', to_jsonb(${url}::text)), updated_at = now()
        where conversation_id like '19:dev-%' and service_url <> ${url}`);
  };

  server.server.once('listening', () => {
    repointDevChannels().catch((error: unknown) =>
      logger.warn({ err: error }, 'dev channel: could not point the dev channels at this server'),
    );
  });

  for (const [route, { file, type }] of Object.entries(STATIC_FILES)) {
    server.get(route, async (_req, res) => sendFile(res, path.join(devPublicFolder(), file), type));
  }
  server.get('/dev/vendor/adaptivecards.min.js', async (_req, res) =>
    sendFile(res, adaptiveCardsBundle(), 'text/javascript; charset=utf-8'),
  );

  server.get('/dev/api/state', async (_req, res) => {
    await repointDevChannels();
    const channels = await queryRows<{
      conversation_id: string;
      purpose: 'team' | 'pilots' | 'unlinked';
      team: string | null;
      reference: { conversation?: { name?: string } };
    }>(
      db,
      sql`select c.conversation_id, c.purpose, t.name as team, c.reference
          from conversation_refs c left join teams t on t.id = c.team_id
          where c.conversation_id like '19:%' order by c.id`,
    );
    const active = await findIterationByName(db, null);
    const ready = active ? (await listReadySteps(engine, { iteration: active.name })).steps : [];
    const iterations = (await listIterations(db)).map((it) => it.name);
    res.json(200, {
      serviceUrl: serviceUrl(),
      bot: DEV_BOT,
      tenantId: DEV_TENANT_ID,
      directory: {
        source: directory.source,
        configured: config.directoryFile !== undefined,
        users: directory.allUsers().map((user) => ({
          id: devTeamsUserId(user),
          aadObjectId: user.aadObjectId,
          name: user.name,
          email: user.email,
          role: roleOf(user),
          teams: user.teams,
        })),
      },
      channels: channels.map((c) => ({
        id: c.conversation_id,
        purpose: c.purpose,
        team: c.team,
        name:
          c.purpose === 'pilots'
            ? PILOTS_CHANNEL_NAME
            : (c.team ?? c.reference.conversation?.name ?? c.conversation_id),
      })),
      hasPlan: !(await planIsEmpty(engine)),
      iterations,
      activeIteration: active ? { name: active.name, comms: active.comms } : null,
      ready: ready.slice(0, 20).map((step) => ({
        id: step.id,
        title: step.title,
        team: step.team,
        members: directory.membersOf(step.team).map((m) => m.name),
      })),
    });
  });

  server.post('/dev/api/posts', async (req, res) => {
    const body = (req.body ?? {}) as {
      conversationId?: unknown;
      text?: unknown;
      from?: { id?: unknown; aadObjectId?: unknown; name?: unknown };
    };
    if (
      !isJson(req) ||
      typeof body.conversationId !== 'string' ||
      !body.conversationId.startsWith('19:') ||
      typeof body.text !== 'string' ||
      body.text.trim() === '' ||
      body.text.length > 4000 ||
      typeof body.from?.id !== 'string' ||
      typeof body.from.name !== 'string'
    ) {
      res.json(400, {
        error: 'expected JSON { conversationId: "19:…", text, from: { id, aadObjectId, name } }',
      });
      return;
    }
    const from = {
      id: body.from.id,
      name: body.from.name,
      ...(typeof body.from.aadObjectId === 'string' ? { aadObjectId: body.from.aadObjectId } : {}),
    };
    const entry = store.add(body.conversationId, recordedPost(from, body.text), null);
    res.json(201, { id: entry.id });
  });

  // Set-ups run one after the other: two clicks at once would otherwise create each channel twice.
  let queue: Promise<unknown> = Promise.resolve();
  server.post('/dev/api/demo', async (req, res) => {
    if (!isJson(req)) {
      res.json(415, { error: 'send an application/json request' });
      return;
    }
    const run = queue.then(() =>
      setUpDemo({
        engine,
        directory,
        store,
        logger,
        directoryFile: config.directoryFile,
        dataDir: config.dataDir,
        selfUrl: selfUrl(),
        serviceUrl: serviceUrl(),
      }),
    );
    queue = run.catch(() => undefined);
    try {
      res.json(200, await run);
    } catch (error) {
      logger.error({ err: error }, 'dev channel: demo set-up failed');
      res.json(error instanceof DemoError ? 409 : 500, { error: (error as Error).message });
    }
  });
}
