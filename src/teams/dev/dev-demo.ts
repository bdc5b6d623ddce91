/**
 * One click from an empty local service to a working demo: the project's own demo plan
 * (samples/demo-runsheet.xlsx, through the real import), the demo people (samples/demo-directory.json,
 * only when no directory is configured) and a dev channel per plan team plus the pilots' channel.
 *
 * Channels are created the way Teams would create them, through the real bot: for each one the bot
 * is "added to the team" (a `conversationUpdate` posted to /api/messages) and the first pilot types
 * `@Runsheet link <Team>` there (a message posted to /api/messages), so the bot itself stores the
 * conversation and links it. Every step is idempotent: what is already there is kept.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from '../../db/orm.js';
import { packageRoot, queryRows } from '../../db/client.js';
import type { Directory, DirectoryUser } from '../../directory/directory.js';
import { parseDirectoryJson } from '../../directory/local-json-directory.js';
import { SwitchableDirectory } from '../../directory/switchable-directory.js';
import type { Engine } from '../../engine/engine.js';
import { storePlan } from '../../engine/store-plan.js';
import { formatProblem } from '../../import/problems.js';
import { readPlanFile } from '../../import/read-plan.js';
import type { Logger } from '../../logger.js';
import type { DevConnectorStore } from '../dev-connector.js';
import {
  botAddedActivity,
  channelCommandActivity,
  devChannelId,
  devTeamsUserId,
  recordedPost,
  type DevChannelRef,
} from './dev-activities.js';

export const DEMO_PLAN_FILE = () => path.join(packageRoot(), 'samples', 'demo-runsheet.xlsx');
export const DEMO_DIRECTORY_FILE = () => path.join(packageRoot(), 'samples', 'demo-directory.json');
/** Where a demo directory loaded by the dev channel is kept, so it survives a restart. */
export const devDirectoryFile = (dataDir: string) => path.join(dataDir, 'dev-directory.json');
/** The name of the pilots' dev channel. */
export const PILOTS_CHANNEL_NAME = 'Pilots';

export interface DemoDeps {
  engine: Engine;
  directory: Directory;
  store: DevConnectorStore;
  logger: Logger;
  /** RUNSHEET_DIRECTORY, when set: then the directory is never replaced. */
  directoryFile: string | undefined;
  dataDir: string;
  /** Where the bot listens (`http://127.0.0.1:3978`) and the connector URL activities carry. */
  selfUrl: string;
  serviceUrl: string;
}

export interface DemoResult {
  directory: 'loaded-demo' | 'kept';
  plan: 'imported' | 'kept';
  /** Names of the channels created now. */
  channels: string[];
  /** What to say when something was not done (no pilot, a configured directory without one, …). */
  notes: string[];
}

/** Thrown when the demo cannot be set up; the message is fit to show. */
export class DemoError extends Error {
  override readonly name = 'DemoError';
}

/** Loads the demo directory into `directory` when none is configured and it is empty; persists it. */
export function loadDemoDirectory(deps: Pick<DemoDeps, 'directory' | 'directoryFile' | 'dataDir'>): boolean {
  const { directory } = deps;
  if (deps.directoryFile !== undefined || directory.allUsers().length > 0) return false;
  if (!(directory instanceof SwitchableDirectory)) return false;
  const text = fs.readFileSync(DEMO_DIRECTORY_FILE(), 'utf8');
  directory.replace(parseDirectoryJson(text, 'samples/demo-directory.json (loaded by /dev)'));
  fs.mkdirSync(deps.dataDir, { recursive: true });
  fs.writeFileSync(devDirectoryFile(deps.dataDir), text);
  return true;
}

/** Whether the plan has any step. */
export async function planIsEmpty(engine: Engine): Promise<boolean> {
  const [row] = await queryRows<{ n: number }>(
    engine.database.db,
    sql`select count(*)::int as n from steps where not archived`,
  );
  return (row?.n ?? 0) === 0;
}

async function importDemoPlan(engine: Engine): Promise<void> {
  const file = DEMO_PLAN_FILE();
  const types = await queryRows<{ type: string }>(engine.database.db, sql`select type from step_types`);
  const result = await readPlanFile(file, { registeredStepTypes: new Set(types.map((t) => t.type)) });
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (!result.plan || errors.length > 0) {
    throw new DemoError(`The demo plan does not import: ${errors.map(formatProblem).join('; ')}`);
  }
  await storePlan(engine.database, result.plan, {
    actor: 'dev-channel',
    actorName: 'Local dev channel',
    source: path.basename(file),
    contentHash: createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
  });
}

/** The channels a demo needs: the pilots' one and one per plan team, minus those already linked. */
async function missingChannels(engine: Engine): Promise<(DevChannelRef & { link: string })[]> {
  const db = engine.database.db;
  const teams = await queryRows<{ name: string; linked: boolean }>(
    db,
    sql`select t.name, exists (select 1 from conversation_refs c where c.purpose = 'team' and c.team_id = t.id) as linked
        from teams t where not t.archived order by t.id`,
  );
  const [pilots] = await queryRows<{ linked: boolean }>(
    db,
    sql`select exists (select 1 from conversation_refs where purpose = 'pilots') as linked`,
  );
  const wanted = [
    ...(pilots?.linked ? [] : [{ name: PILOTS_CHANNEL_NAME, link: 'pilots' }]),
    ...teams.filter((t) => !t.linked).map((t) => ({ name: t.name, link: t.name })),
  ];
  return wanted.map((w) => ({ ...w, id: devChannelId(w.name) }));
}

/** Posts one activity to the bot, as Teams would; throws unless the bot answered 2xx. */
async function postToBot(selfUrl: string, activity: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${selfUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  if (!response.ok) {
    throw new DemoError(
      `The bot answered ${response.status} to a ${String(activity.type)} activity: ${await response.text()}`,
    );
  }
}

/** Creates a dev channel through the bot: installed there, then linked by `pilot`. */
async function createChannel(
  deps: DemoDeps,
  channel: DevChannelRef & { link: string },
  pilot: DirectoryUser,
): Promise<void> {
  await postToBot(deps.selfUrl, botAddedActivity(channel, pilot, deps.serviceUrl));
  const command = `link ${channel.link}`;
  const post = deps.store.add(
    channel.id,
    recordedPost(
      { id: devTeamsUserId(pilot), aadObjectId: pilot.aadObjectId, name: pilot.name },
      `<at>Runsheet</at> ${command}`,
    ),
    null,
  );
  await postToBot(deps.selfUrl, channelCommandActivity(channel, pilot, post.id, command, deps.serviceUrl));
}

/** Sets the demo up; see the file comment. */
export async function setUpDemo(deps: DemoDeps): Promise<DemoResult> {
  const { engine, directory, logger } = deps;
  const notes: string[] = [];
  const loadedDirectory = loadDemoDirectory(deps);
  if (!loadedDirectory && deps.directoryFile !== undefined) {
    notes.push(`The configured directory (${deps.directoryFile}) is used, not the demo people.`);
  }
  const emptyPlan = await planIsEmpty(engine);
  if (emptyPlan) await importDemoPlan(engine);

  const pilot = directory.pilots()[0];
  const channels: string[] = [];
  const missing = await missingChannels(engine);
  if (missing.length > 0 && !pilot) {
    notes.push(
      `No channel was created: linking one takes a pilot, and the directory (${directory.source}) has none.`,
    );
  } else if (pilot) {
    for (const channel of missing) {
      await createChannel(deps, channel, pilot);
      channels.push(channel.name);
    }
  }
  logger.info(
    { directory: loadedDirectory ? 'demo' : directory.source, plan: emptyPlan ? 'demo' : 'kept', channels },
    'dev channel: demo set up',
  );
  return {
    directory: loadedDirectory ? 'loaded-demo' : 'kept',
    plan: emptyPlan ? 'imported' : 'kept',
    channels,
    notes,
  };
}
