/**
 * What a step card shows, read from a real database (PGlite, or PostgreSQL when DATABASE_URL is
 * set) after the engine has run commands: plan fields, the planned window in the iteration's time
 * zone, effective predecessors, who did what and when, elapsed and actual minutes, tasks as plain
 * text, control results, the state version.
 */
import { sql } from '../../src/db/orm.js';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import type { Command, CommandResult } from '../../src/engine/command.js';
import { Engine } from '../../src/engine/engine.js';
import { NotFoundError } from '../../src/engine/read-models.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { renderStepCard } from '../../src/teams/cards/render-step-card.js';
import { loadStepCardData } from '../../src/teams/cards/step-card-data.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';

let database: TestDatabase;
let engine: Engine;
/** 19:00 in Zurich (CET). */
const T0 = new Date('2026-12-05T18:00:00Z');
let now = T0;
const minutesAfterT0 = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

beforeEach(async () => {
  await database?.destroy();
  database = await createTestDatabase();
  engine = new Engine({ database, directory: smallDirectory(), clock: () => now });
  now = T0;
  const plan = smallPlan();
  // A rich description, as planners write them, to see it as one line of text on the card.
  plan.tasks[0]!.description =
    '<p>Export &amp; check the <b>client</b> tables</p><ul><li>rows</li><li>checksums</li></ul>';
  plan.steps[0]!.instructionsUrl = 'https://wiki.bank.example/runbooks/TRT-1';
  await storePlan(database, plan, { actor: 'test', source: 'small-plan' });
});
afterAll(() => database?.destroy());

async function as(
  person: keyof typeof PEOPLE,
  command: Omit<Command, 'actor' | 'source'>,
): Promise<CommandResult> {
  const result = await engine.execute({
    ...command,
    actor: { aadObjectId: PEOPLE[person].aadObjectId },
    source: 'teams',
  });
  expect(result, result.message).toMatchObject({ outcome: 'applied' });
  return result;
}

const idOf = async (table: 'steps' | 'iterations', key: string) => {
  const rows =
    table === 'steps'
      ? await queryRows<{ id: number }>(database.db, sql`select id from steps where key = ${key}`)
      : await queryRows<{ id: number }>(database.db, sql`select id from iterations where name = ${key}`);
  return rows[0]!.id;
};

async function cardData(stepKey: string, at: Date = now) {
  return loadStepCardData(engine, await idOf('iterations', 'Run1'), await idOf('steps', stepKey), at);
}

describe('loadStepCardData', () => {
  it('shows a ready step as activation left it', async () => {
    await as('pilot', { action: 'activate', subject: 'Run1' });
    const data = await cardData('TRT-1');
    expect(data).toEqual({
      iteration: {
        id: await idOf('iterations', 'Run1'),
        name: 'Run1',
        status: 'ACTIVE',
        timeZone: 'Europe/Zurich',
        comms: 'test',
      },
      stepDbId: await idOf('steps', 'TRT-1'),
      id: 'TRT-1',
      title: 'Step TRT-1',
      phase: 'CSD migration',
      chapter: 'Extraction',
      team: 'Engine',
      environment: 'PROD',
      durationMinutes: 30,
      instructionsUrl: 'https://wiki.bank.example/runbooks/TRT-1',
      plannedWindow: { start: '2026-12-05 18:00 CET', end: '2026-12-06 02:00 CET' },
      predecessors: [],
      inScope: true,
      ready: true,
      status: 'OPEN',
      heldFrom: null,
      reason: null,
      lastChange: null,
      opensAt: null,
      started: null,
      elapsedMinutes: null,
      actualMinutes: null,
      tasks: [
        {
          id: 'TRT-1-1',
          description: 'Export & check the client tables • rows • checksums',
          team: 'Engine',
          status: 'OPEN',
        },
        { id: 'TRT-1-2', description: 'Check.', team: 'DBA', status: 'OPEN' },
      ],
      controls: [
        {
          id: 'C0001-a',
          name: 'Row counts',
          producer: 'Engine',
          validator: 'DBA',
          result: 'OPEN',
          confirmed: false,
        },
      ],
      // No forecast held in memory yet (nothing has read one): the card starts a refresh, shows none.
      forecast: null,
      version: 0,
      asOf: { at: T0, localTime: '19:00' },
    });
  });

  it('follows the step through start, tasks, controls, failure, retry and done', async () => {
    await as('pilot', { action: 'activate', subject: 'Run1' });
    now = minutesAfterT0(5);
    await as('engine', { action: 'start', subject: 'TRT-1', seen: 'OPEN' });
    await as('engine', { action: 'start', subject: 'TRT-1-1', seen: 'OPEN' });
    await as('dba', { action: 'start', subject: 'TRT-1-2', seen: 'OPEN' });

    const running = await cardData('TRT-1', minutesAfterT0(47));
    expect(running).toMatchObject({
      status: 'IN_PROGRESS',
      ready: false,
      started: { byName: 'Luca Engine', at: minutesAfterT0(5), local: '2026-12-05 19:05 CET' },
      lastChange: { action: 'start', byName: 'Luca Engine', local: '2026-12-05 19:05 CET' },
      elapsedMinutes: 42,
      actualMinutes: null,
      tasks: [
        { id: 'TRT-1-1', status: 'IN_PROGRESS' },
        { id: 'TRT-1-2', status: 'IN_PROGRESS' },
      ],
      version: 1,
      asOf: { localTime: '19:47' },
    });

    now = minutesAfterT0(20);
    await as('engine', {
      action: 'fail',
      subject: 'TRT-1',
      seen: 'IN_PROGRESS',
      reason: '  Extract timed out ',
    });
    const failed = await cardData('TRT-1');
    expect(failed).toMatchObject({
      status: 'FAILED',
      reason: 'Extract timed out',
      elapsedMinutes: null,
      lastChange: { action: 'fail', byName: 'Luca Engine', local: '2026-12-05 19:20 CET' },
      // The start is still the first one: elapsed time counts from there after a retry.
      started: { local: '2026-12-05 19:05 CET' },
      version: 2,
    });

    now = minutesAfterT0(25);
    await as('engine2', { action: 'retry', subject: 'TRT-1', seen: 'FAILED' });
    await as('engine', { action: 'done', subject: 'TRT-1-1', seen: 'IN_PROGRESS' });
    await as('dba', { action: 'done', subject: 'TRT-1-2', seen: 'IN_PROGRESS' });
    await as('dba', { action: 'pass', subject: 'C0001-a' });
    expect(await cardData('TRT-1', minutesAfterT0(30))).toMatchObject({
      status: 'IN_PROGRESS',
      lastChange: { action: 'retry', byName: 'Anna Engine' },
      elapsedMinutes: 25,
      tasks: [
        { id: 'TRT-1-1', status: 'DONE' },
        { id: 'TRT-1-2', status: 'DONE' },
      ],
      controls: [
        {
          id: 'C0001-a',
          name: 'Row counts',
          producer: 'Engine',
          validator: 'DBA',
          result: 'PASSED',
          confirmed: false,
        },
      ],
      version: 3,
    });

    now = minutesAfterT0(47);
    await as('engine', { action: 'done', subject: 'TRT-1', seen: 'IN_PROGRESS' });
    expect(await cardData('TRT-1', minutesAfterT0(60))).toMatchObject({
      status: 'DONE',
      elapsedMinutes: null,
      actualMinutes: 42,
      lastChange: { action: 'done', byName: 'Luca Engine', local: '2026-12-05 19:47 CET' },
      version: 4,
    });
  });

  it('waits through an out-of-scope step, becomes ready, and remembers what hold left', async () => {
    await as('pilot', { action: 'activate', subject: 'Run1' });
    // TRT-2 is out of scope in Run1, so TRT-3 waits for TRT-1.
    expect(await cardData('TRT-3')).toMatchObject({
      predecessors: [{ id: 'TRT-1', status: 'OPEN' }],
      ready: false,
      inScope: true,
      tasks: [],
      controls: [],
    });
    expect(await cardData('TRT-2')).toMatchObject({
      inScope: false,
      ready: false,
      plannedWindow: expect.any(Object),
    });

    await as('engine', { action: 'start', subject: 'TRT-1', seen: 'OPEN' });
    await as('pilot', { action: 'done', subject: 'TRT-1', seen: 'IN_PROGRESS', force: true });
    expect(await cardData('TRT-3')).toMatchObject({
      predecessors: [{ id: 'TRT-1', status: 'DONE' }],
      ready: true,
    });

    await as('pilot', { action: 'hold', subject: 'TRT-3', seen: 'OPEN', reason: 'Waiting for the DBA' });
    const held = await cardData('TRT-3');
    expect(held).toMatchObject({
      status: 'ON_HOLD',
      heldFrom: 'OPEN',
      ready: false,
      reason: 'Waiting for the DBA',
      lastChange: { action: 'hold', byName: 'Claire Pilot' },
      version: 1,
    });
  });

  it('feeds the renderer: the shared card of a ready step offers Start', async () => {
    await as('pilot', { action: 'activate', subject: 'Run1' });
    const card = renderStepCard(await cardData('TRT-1'), null);
    const json = JSON.stringify(card);
    expect(json).toContain('"verb":"step.start"');
    expect(json).toContain('"data":{"step":"TRT-1","iteration":"Run1","seen":"OPEN"}');
    expect(json).toContain('TEST · Run1 runs with comms in test mode');
  });

  it('shows a step of an iteration not yet active, without a schedule', async () => {
    const data = await loadStepCardData(
      engine,
      await idOf('iterations', 'DR1'),
      await idOf('steps', 'TRT-2'),
      now,
    );
    expect(data).toMatchObject({
      iteration: { name: 'DR1', status: 'PLANNED' },
      plannedWindow: null,
      status: 'OPEN',
      predecessors: [{ id: 'TRT-1', status: 'OPEN' }],
      inScope: true,
      ready: false,
      version: 0,
    });
  });

  it('follows a re-import at once: the card reads the current plan revision, not the cached snapshot', async () => {
    await as('pilot', { action: 'activate', subject: 'Run1' });
    expect(await cardData('TRT-4')).toMatchObject({ predecessors: [{ id: 'TRT-3', status: 'OPEN' }] });
    // The engine's snapshot is now cached; a re-import makes TRT-4 follow TRT-1 instead.
    const plan = smallPlan();
    plan.steps.find((step) => step.id === 'TRT-4')!.predecessors = ['TRT-1'];
    await storePlan(database, plan, { actor: 'test', source: 'small-plan v2' });
    expect(await cardData('TRT-4')).toMatchObject({ predecessors: [{ id: 'TRT-1', status: 'OPEN' }] });
  });

  it('refuses an unknown iteration or step with NotFoundError', async () => {
    const run1 = await idOf('iterations', 'Run1');
    await expect(loadStepCardData(engine, 999_999, await idOf('steps', 'TRT-1'), now)).rejects.toThrow(
      NotFoundError,
    );
    await expect(loadStepCardData(engine, run1, 999_999, now)).rejects.toThrow(
      'There is no step with id 999999 in the plan.',
    );
  });
});
