/**
 * The single write path on a real database (PGlite, or PostgreSQL when DATABASE_URL is set):
 * transitions, readiness through out-of-scope steps, stale and repeated commands, refusals,
 * iteration lifecycle, and the audit events and jobs each command leaves behind.
 */
import { sql } from '../../src/db/orm.js';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import type { Command } from '../../src/engine/command.js';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';

let database: TestDatabase;
let engine: Engine;
const T0 = new Date('2026-12-05T18:00:00Z');
let now = T0;

beforeEach(async () => {
  await database?.destroy();
  database = await createTestDatabase();
  engine = new Engine({ database, directory: smallDirectory(), clock: () => now });
  now = T0;
  await storePlan(database, smallPlan(), { actor: 'test', source: 'small-plan' });
});
afterAll(() => database?.destroy());

const as = (
  person: keyof typeof PEOPLE,
  command: Omit<Command, 'actor' | 'source'>,
): Promise<ReturnType<Engine['execute']> extends Promise<infer R> ? R : never> =>
  engine.execute({ ...command, actor: { aadObjectId: PEOPLE[person].aadObjectId }, source: 'teams' });

const jobs = () =>
  queryRows<{ kind: string; payload: { stepId?: number; step?: string; to?: string } }>(
    database.db,
    sql`select kind, payload from jobs order by id`,
  );
const stepIdOf = async (key: string) =>
  (await queryRows<{ id: number }>(database.db, sql`select id from steps where key = ${key}`))[0]!.id;
const auditTypes = async () =>
  (await queryRows<{ type: string }>(database.db, sql`select type from audit_events order by seq`)).map(
    (r) => r.type,
  );

async function activateRun1() {
  const result = await as('pilot', { action: 'activate', subject: 'Run1' });
  expect(result.outcome).toBe('applied');
  return result;
}

describe('iteration lifecycle', () => {
  it('activates Run1 with its initially ready steps and enqueues their cards', async () => {
    const result = await activateRun1();
    expect(result).toMatchObject({
      outcome: 'applied',
      from: 'PLANNED',
      to: 'ACTIVE',
      becameReady: ['TRT-1'],
    });
    expect(await jobs()).toEqual([
      {
        kind: 'step-card.sync',
        payload: {
          iterationId: expect.any(Number),
          stepId: await stepIdOf('TRT-1'),
          auditSeq: result.auditSeq,
        },
      },
    ]);
    expect(await auditTypes()).toEqual(['plan.import', 'iteration.activate']);
  });

  it('refuses a second active iteration, a team member activating, and acting in a closed iteration', async () => {
    expect(await as('engine', { action: 'activate', subject: 'Run1' })).toMatchObject({
      outcome: 'refused',
      code: 'ROLE',
    });
    await activateRun1();
    expect(await as('pilot', { action: 'activate', subject: 'dr1' })).toMatchObject({
      outcome: 'refused',
      code: 'ANOTHER_ITERATION_ACTIVE',
      message: 'Run1 is active; close it before activating DR1.',
    });
    expect(await as('pilot', { action: 'close', subject: 'Run1' })).toMatchObject({
      outcome: 'applied',
      to: 'CLOSED',
    });
    const frozen = await as('engine', { action: 'start', subject: 'TRT-1', iteration: 'Run1' });
    expect(frozen).toMatchObject({
      outcome: 'refused',
      code: 'ITERATION_NOT_ACTIVE',
      message: 'Run1 is closed: its state is frozen.',
    });
    expect(await as('pilot', { action: 'activate', subject: 'Run1' })).toMatchObject({
      outcome: 'refused',
      code: 'STATUS',
    });
  });

  it('refuses commands when no iteration is active, and names unknown iterations', async () => {
    expect(await as('engine', { action: 'start', subject: 'TRT-1' })).toMatchObject({
      outcome: 'refused',
      code: 'NO_ACTIVE_ITERATION',
    });
    expect(await as('pilot', { action: 'activate', subject: 'Run9' })).toMatchObject({
      outcome: 'refused',
      code: 'UNKNOWN_ITERATION',
      message: 'There is no iteration "Run9" (known: Run1, DR1).',
    });
  });
});

describe('step transitions', () => {
  it('start, tasks, done: the successor through an out-of-scope step becomes ready, with its card job', async () => {
    await activateRun1();
    expect(await as('engine', { action: 'start', subject: 'trt1', seen: 'OPEN' })).toMatchObject({
      outcome: 'applied',
      subject: 'TRT-1',
      from: 'OPEN',
      to: 'IN_PROGRESS',
    });
    const refused = await as('engine', { action: 'done', subject: 'TRT-1', seen: 'IN_PROGRESS' });
    expect(refused).toMatchObject({ outcome: 'refused', code: 'TASKS_OPEN' });
    expect(refused.message).toContain('TRT-1-1, TRT-1-2');

    await as('engine', { action: 'start', subject: 'TRT-1-1' });
    await as('engine', { action: 'done', subject: 'TRT-1-1' });
    expect(await as('engine', { action: 'done', subject: 'TRT-1-2' })).toMatchObject({
      outcome: 'refused',
      code: 'ROLE',
    });
    await as('dba', { action: 'cancel', subject: 'TRT-1-2', reason: 'n/a' }).then((r) =>
      expect(r).toMatchObject({ outcome: 'refused', code: 'ROLE' }),
    );
    await as('pilot', { action: 'cancel', subject: 'TRT-1-2', reason: 'not needed in Run1' });

    const done = await as('engine', { action: 'done', subject: 'TRT-1', seen: 'IN_PROGRESS' });
    // TRT-2 is out of scope in Run1, so TRT-3 waits directly for TRT-1.
    expect(done).toMatchObject({ outcome: 'applied', to: 'DONE', becameReady: ['TRT-3'] });
    const [one, three] = [await stepIdOf('TRT-1'), await stepIdOf('TRT-3')];
    // TRT-1's card sync was still pending from its activation, so every later change coalesced into it.
    const pending = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from jobs where kind = 'step-card.sync' and state = 'pending' and (payload->>'stepId')::int = ${one}`,
    );
    expect(pending[0]!.n).toBe(1);
    expect((await jobs()).filter((j) => j.kind === 'step-card.sync').map((j) => j.payload.stepId)).toEqual([
      one,
      three,
    ]);
    expect(
      (await jobs())
        .filter((j) => j.kind === 'pilots.status-notice')
        .map((j) => `${j.payload.step}:${j.payload.to}`),
    ).toEqual(['TRT-1:IN_PROGRESS', 'TRT-1:DONE']);
  });

  it('hold remembers the status it left and resume restores it; pilots only', async () => {
    await activateRun1();
    await as('engine', { action: 'start', subject: 'TRT-1' });
    expect(await as('engine', { action: 'hold', subject: 'TRT-1' })).toMatchObject({
      outcome: 'refused',
      code: 'ROLE',
      message: expect.stringContaining('Luca Engine is in Engine'),
    });
    expect(
      await as('pilot', { action: 'hold', subject: 'TRT-1', reason: 'waiting for DBA sign-off' }),
    ).toMatchObject({ outcome: 'applied', from: 'IN_PROGRESS', to: 'ON_HOLD' });
    expect(await as('pilot', { action: 'resume', subject: 'TRT-1' })).toMatchObject({
      outcome: 'applied',
      from: 'ON_HOLD',
      to: 'IN_PROGRESS',
    });
  });

  it('a resumed OPEN step that is ready gets its card again', async () => {
    await activateRun1();
    await as('pilot', { action: 'hold', subject: 'TRT-1' });
    expect(await as('pilot', { action: 'resume', subject: 'TRT-1' })).toMatchObject({
      outcome: 'applied',
      to: 'OPEN',
      becameReady: ['TRT-1'],
    });
  });

  it('a start on a step that is not ready is refused; a pilot may force it, which is audited', async () => {
    await activateRun1();
    expect(await as('engine', { action: 'start', subject: 'TRT-3' })).toMatchObject({
      outcome: 'refused',
      code: 'NOT_READY',
    });
    expect(await as('engine', { action: 'start', subject: 'TRT-3', force: true })).toMatchObject({
      outcome: 'refused',
      code: 'FORCE_NOT_ALLOWED',
    });
    const forced = await as('pilot', { action: 'start', subject: 'TRT-3', force: true });
    expect(forced).toMatchObject({ outcome: 'applied', forced: true });
    const [event] = await queryRows<{ details: { forced: boolean } }>(
      database.db,
      sql`select details from audit_events where seq = ${forced.auditSeq}`,
    );
    expect(event!.details.forced).toBe(true);
  });

  it('refuses a step out of scope, an unknown step, an unknown user, and a control action on a step', async () => {
    await activateRun1();
    expect(await as('dba', { action: 'start', subject: 'TRT-2' })).toMatchObject({
      outcome: 'refused',
      code: 'NOT_IN_SCOPE',
      message: 'TRT-2 is not in scope of Run1.',
    });
    expect(await as('engine', { action: 'start', subject: 'TRT-99' })).toMatchObject({
      outcome: 'refused',
      code: 'UNKNOWN_SUBJECT',
      message: 'There is no step TRT-99 in the plan.',
    });
    expect(await as('engine', { action: 'start', subject: 'XYZ-1' })).toMatchObject({
      outcome: 'refused',
      code: 'UNKNOWN_SUBJECT',
    });
    expect(
      await engine.execute({
        action: 'start',
        subject: 'TRT-1',
        actor: { email: 'nobody@bank.example' },
        source: 'cli',
      }),
    ).toMatchObject({
      outcome: 'refused',
      code: 'UNKNOWN_USER',
    });
    expect(await as('engine', { action: 'pass', subject: 'TRT-1' })).toMatchObject({
      outcome: 'refused',
      code: 'UNKNOWN_ACTION',
    });
    // Every refusal is audited.
    expect((await auditTypes()).filter((t) => t.endsWith('refused'))).toEqual([
      'step.refused',
      'step.refused',
      'command.refused',
      'command.refused',
      'step.refused',
    ]);
  });

  it('reopen is refused while a successor has left OPEN', async () => {
    await activateRun1();
    await as('pilot', { action: 'start', subject: 'TRT-1' });
    await as('pilot', { action: 'done', subject: 'TRT-1', force: true });
    await as('engine', { action: 'start', subject: 'TRT-3' });
    expect(await as('pilot', { action: 'reopen', subject: 'TRT-1' })).toMatchObject({
      outcome: 'refused',
      code: 'SUCCESSORS_STARTED',
      message: expect.stringContaining('TRT-3'),
    });
  });
});

describe('stale and repeated commands', () => {
  it('a stale command changes nothing and tells who did what, when', async () => {
    await activateRun1();
    now = new Date('2026-12-05T18:44:00Z');
    await as('engine', { action: 'start', subject: 'TRT-1', seen: 'OPEN' });
    const stale = await as('pilot', { action: 'hold', subject: 'TRT-1', seen: 'OPEN' });
    expect(stale).toMatchObject({
      outcome: 'stale',
      current: 'IN_PROGRESS',
      message:
        'TRT-1 is IN_PROGRESS, not OPEN: started by Luca Engine at 2026-12-05 19:44 CET. Nothing changed.',
    });
  });

  it('the same command twice is one transition, whoever repeats it', async () => {
    await activateRun1();
    await as('engine', { action: 'start', subject: 'TRT-1', seen: 'OPEN' });
    const again = await as('engine2', { action: 'start', subject: 'TRT-1', seen: 'OPEN' });
    expect(again).toMatchObject({
      outcome: 'duplicate',
      current: 'IN_PROGRESS',
      last: { byName: 'Luca Engine', action: 'start' },
    });
    const transitions = (await auditTypes()).filter((t) => t === 'step.start');
    expect(transitions).toHaveLength(1);
  });

  it('concurrent identical clicks land once', async () => {
    await activateRun1();
    const results = await Promise.all(
      ['engine', 'engine2', 'engine', 'pilot', 'engine2'].map((person) =>
        as(person as keyof typeof PEOPLE, { action: 'start', subject: 'TRT-1', seen: 'OPEN' }),
      ),
    );
    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(4);
    const [state] = await queryRows<{ version: number }>(
      database.db,
      sql`select version from step_states ss join steps s on s.id = ss.step_id where s.key = 'TRT-1'`,
    );
    expect(state!.version).toBe(1);
  });
});

describe('controls', () => {
  it('the producer passes a control, a viewer cannot, and the linked step card is refreshed', async () => {
    await activateRun1();
    expect(await as('viewer', { action: 'pass', subject: 'c0001A' })).toMatchObject({
      outcome: 'refused',
      code: 'ROLE',
      message: expect.stringContaining('Greta Manager is a viewer'),
    });
    const passed = await as('engine', { action: 'pass', subject: 'c0001A', seen: 'OPEN' });
    expect(passed).toMatchObject({ outcome: 'applied', subject: 'C0001-a', from: 'OPEN', to: 'PASSED' });
    expect(await as('dba', { action: 'fail', subject: 'C0001-a', seen: 'OPEN' })).toMatchObject({
      outcome: 'stale',
      current: 'PASSED',
    });
    expect(await as('dba', { action: 'cancel', subject: 'C0001-a', reason: 'x' })).toMatchObject({
      outcome: 'refused',
      code: 'ROLE',
    });
  });
});
