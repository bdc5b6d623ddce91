/**
 * Controls across rehearsals through the engine (PGlite, or PostgreSQL with DATABASE_URL): the
 * validator's confirmation (roles, four eyes, repeat, stale, reset by a change), and the go/no-go
 * step IGO-5 of `smallPlanWithGoNoGo`, whose Done is refused while a control of its phase is OPEN
 * or FAILED unless a pilot acknowledges them, which the audit keeps with the controls' list.
 */
import { sql } from '../../src/db/orm.js';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import type { Command, CommandResult } from '../../src/engine/command.js';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { PEOPLE, smallDirectory, smallPlanWithGoNoGo } from '../support/small-plan.js';

let database: TestDatabase;
let engine: Engine;
const T0 = new Date('2026-12-05T18:00:00Z');
let now = T0;

beforeEach(async () => {
  await database?.destroy();
  database = await createTestDatabase();
  now = T0;
  engine = new Engine({ database, directory: smallDirectory(), clock: () => now });
  await storePlan(database, smallPlanWithGoNoGo(), { actor: 'test', source: 'small-plan' });
  expect(await as('pilot', { action: 'activate', subject: 'Run1' })).toMatchObject({ outcome: 'applied' });
});
afterAll(() => database?.destroy());

const as = (
  person: keyof typeof PEOPLE,
  command: Omit<Command, 'actor' | 'source'>,
): Promise<CommandResult> =>
  engine.execute({ ...command, actor: { aadObjectId: PEOPLE[person].aadObjectId }, source: 'teams' });

const later = (minutes: number) => {
  now = new Date(now.getTime() + minutes * 60_000);
};

const controlRow = async (key: string) =>
  (
    await queryRows<{
      result: string;
      note: string | null;
      confirmed_by: string | null;
      confirmed_by_name: string | null;
      confirmed_at: Date | string | null;
      confirm_note: string | null;
      version: number;
    }>(
      database.db,
      sql`select cr.result, cr.note, cr.confirmed_by, cr.confirmed_by_name, cr.confirmed_at, cr.confirm_note, cr.version
          from control_results cr join controls c on c.id = cr.control_id
          join iterations i on i.id = cr.iteration_id where c.key = ${key} and i.name = 'Run1'`,
    )
  )[0];

const events = (type: string) =>
  queryRows<{ actor: string; subject: string; details: Record<string, unknown> }>(
    database.db,
    sql`select actor, subject, details from audit_events where type = ${type} order by seq`,
  );

const cardJobSteps = async () =>
  (
    await queryRows<{ key: string }>(
      database.db,
      sql`select s.key from jobs j join steps s on s.id = (j.payload->>'stepId')::int
          where j.kind = 'step-card.sync' order by s.key`,
    )
  ).map((row) => row.key);

describe('the validator confirms a result', () => {
  it('the producer passes with a note, the validator confirms, and the row says who and when', async () => {
    expect(
      await as('engine', { action: 'pass', subject: 'C0001-a', seen: 'OPEN', reason: '1,204 rows' }),
    ).toMatchObject({
      outcome: 'applied',
      from: 'OPEN',
      to: 'PASSED',
    });
    later(5);
    const confirmed = await as('dba', {
      action: 'confirm',
      subject: 'c0001a',
      seen: 'PASSED',
      reason: 'checked',
    });
    expect(confirmed).toMatchObject({
      outcome: 'applied',
      kind: 'control',
      subject: 'C0001-a',
      from: 'PASSED',
      to: 'PASSED',
      message: 'C0001-a PASSED confirmed by Pierre DBA.',
    });
    const row = await controlRow('C0001-a');
    expect(row).toMatchObject({
      result: 'PASSED',
      note: '1,204 rows',
      confirmed_by: PEOPLE.dba.email,
      confirmed_by_name: 'Pierre DBA',
      confirm_note: 'checked',
    });
    expect(new Date(row!.confirmed_at!).toISOString()).toBe('2026-12-05T18:05:00.000Z');
    const [event] = await events('control.confirm');
    expect(event).toMatchObject({
      actor: PEOPLE.dba.email,
      subject: 'C0001-a',
      details: { action: 'confirm', from: 'PASSED', to: 'PASSED', reason: 'checked', seen: 'PASSED' },
    });
  });

  it('refuses the producer team, a viewer, an OPEN result, and whoever set the result', async () => {
    await as('engine', { action: 'pass', subject: 'C0001-a' });
    expect(await as('engine2', { action: 'confirm', subject: 'C0001-a' })).toMatchObject({
      outcome: 'refused',
      code: 'ROLE',
      message: expect.stringContaining(
        'Only the validator team or a pilot may confirm control C0001-a. The producer team does not confirm its own result.',
      ),
    });
    expect(await as('viewer', { action: 'confirm', subject: 'C0001-a' })).toMatchObject({ code: 'ROLE' });
    expect(await as('dba', { action: 'confirm', subject: 'C0002-a' })).toMatchObject({
      outcome: 'refused',
      code: 'STATUS',
      message: 'Cannot confirm control C0002-a: it is OPEN and must be PASSED or FAILED.',
    });
    // The validator failed it themselves: a colleague or a pilot confirms.
    await as('dba', { action: 'fail', subject: 'C0001-a', reason: 'counts differ' });
    expect(await as('dba', { action: 'confirm', subject: 'C0001-a' })).toMatchObject({
      outcome: 'refused',
      code: 'OWN_RESULT',
    });
    expect(await as('pilot', { action: 'confirm', subject: 'C0001-a' })).toMatchObject({
      outcome: 'applied',
    });
    // One team produces and validates C0002-a: its member may confirm their own result.
    await as('dba', { action: 'pass', subject: 'C0002-a' });
    expect(await as('dba', { action: 'confirm', subject: 'C0002-a' })).toMatchObject({ outcome: 'applied' });
  });

  it('a repeated confirmation is one, and a confirmation of a result that changed is stale', async () => {
    await as('engine', { action: 'pass', subject: 'C0001-a' });
    await as('dba', { action: 'confirm', subject: 'C0001-a', seen: 'PASSED' });
    const again = await as('pilot', { action: 'confirm', subject: 'C0001-a', seen: 'PASSED' });
    expect(again).toMatchObject({
      outcome: 'duplicate',
      current: 'PASSED',
      message:
        'C0001-a is PASSED and confirmed already: confirmed by Pierre DBA at 2026-12-05 19:00 CET. Nothing changed.',
    });
    expect((await controlRow('C0001-a'))!.confirmed_by).toBe(PEOPLE.dba.email);
    expect(await events('control.duplicate')).toHaveLength(1);

    await as('engine', { action: 'fail', subject: 'C0001-a', reason: 'recount' });
    const stale = await as('dba', { action: 'confirm', subject: 'C0001-a', seen: 'PASSED' });
    expect(stale).toMatchObject({
      outcome: 'stale',
      current: 'FAILED',
      message: expect.stringContaining('C0001-a is FAILED, not PASSED: marked failed by Luca Engine'),
    });
  });

  it('a change of the result drops the confirmation, and the audit says whose', async () => {
    await as('engine', { action: 'pass', subject: 'C0001-a' });
    await as('dba', { action: 'confirm', subject: 'C0001-a' });
    const failed = await as('engine', { action: 'fail', subject: 'C0001-a', reason: 'late rows' });
    expect(failed).toMatchObject({
      outcome: 'applied',
      message: 'C0001-a marked failed by Luca Engine: PASSED → FAILED. Its confirmation was dropped.',
    });
    expect(await controlRow('C0001-a')).toMatchObject({
      result: 'FAILED',
      confirmed_by: null,
      confirmed_at: null,
      confirm_note: null,
    });
    const [event] = await events('control.fail');
    expect(event!.details.confirmationDropped).toEqual({
      by: PEOPLE.dba.email,
      at: '2026-12-05T18:00:00.000Z',
    });

    // The failure is confirmed in turn, and reopening drops that confirmation too.
    expect(await as('dba', { action: 'confirm', subject: 'C0001-a' })).toMatchObject({ outcome: 'applied' });
    expect((await controlRow('C0001-a'))!.confirmed_by).toBe(PEOPLE.dba.email);
    await as('pilot', { action: 'reopen', subject: 'C0001-a' });
    expect(await controlRow('C0001-a')).toMatchObject({ result: 'OPEN', confirmed_by: null });
  });

  it('refreshes the cards of the linked steps and of the go/no-go steps of their phase', async () => {
    await database.db.execute(sql`delete from jobs`);
    await as('dba', { action: 'pass', subject: 'C0002-a' });
    expect(await cardJobSteps()).toEqual(['IGO-5', 'TRT-3']);
  });
});

describe('Done on a go/no-go step', () => {
  async function startIgo() {
    expect(await as('pilot', { action: 'start', subject: 'IGO-5', force: true })).toMatchObject({
      outcome: 'applied',
    });
  }

  it('is refused while controls of its phase are open or failed, naming them', async () => {
    await startIgo();
    await as('engine', { action: 'fail', subject: 'C0001-a', reason: 'counts differ' });
    const refused = await as('engine', { action: 'done', subject: 'IGO-5', seen: 'IN_PROGRESS' });
    expect(refused).toMatchObject({
      outcome: 'refused',
      code: 'CONTROLS_NOT_PASSED',
      message:
        'Step IGO-5 is a go/no-go step and controls of phase CSD migration are not passed: C0001-a FAILED, C0002-a OPEN. ' +
        'Only a pilot may mark it done anyway.',
    });
    // A team member's acknowledgement is not taken.
    expect(await as('engine', { action: 'done', subject: 'IGO-5', acknowledgeControls: true })).toMatchObject(
      { outcome: 'refused', code: 'CONTROLS_NOT_PASSED' },
    );
    expect(await as('pilot', { action: 'done', subject: 'IGO-5' })).toMatchObject({
      code: 'CONTROLS_NOT_PASSED',
      message: expect.stringContaining('Repeat with the acknowledgement to mark it done anyway'),
    });
    const [status] = await queryRows<{ status: string }>(
      database.db,
      sql`select ss.status from step_states ss join steps s on s.id = ss.step_id where s.key = 'IGO-5'`,
    );
    expect(status!.status).toBe('IN_PROGRESS');
  });

  it("applies a pilot's acknowledgement and keeps the open controls in the audit event", async () => {
    await startIgo();
    await as('engine', { action: 'fail', subject: 'C0001-a', reason: 'counts differ' });
    const done = await as('pilot', { action: 'done', subject: 'IGO-5', acknowledgeControls: true });
    expect(done).toMatchObject({
      outcome: 'applied',
      to: 'DONE',
      message:
        'IGO-5 marked done by Claire Pilot: IN_PROGRESS → DONE. Done with 2 controls not passed, acknowledged: C0001-a FAILED, C0002-a OPEN.',
    });
    const [event] = await events('step.done');
    expect(event!.details).toMatchObject({
      acknowledgeControls: true,
      openControls: [
        { id: 'C0001-a', result: 'FAILED' },
        { id: 'C0002-a', result: 'OPEN' },
      ],
    });
  });

  it('is applied as usual once every control passed or was cancelled; other steps are not checked', async () => {
    await as('pilot', { action: 'start', subject: 'TRT-3', force: true });
    await as('pilot', { action: 'done', subject: 'TRT-3', force: true }).then((r) =>
      expect(r).toMatchObject({ outcome: 'applied' }),
    );
    await startIgo();
    await as('engine', { action: 'pass', subject: 'C0001-a' });
    await as('pilot', { action: 'cancel', subject: 'C0002-a', reason: 'not in Run1' });
    const done = await as('engine', { action: 'done', subject: 'IGO-5' });
    expect(done).toMatchObject({
      outcome: 'applied',
      message: 'IGO-5 marked done by Luca Engine: IN_PROGRESS → DONE.',
    });
    const [event] = await events('step.done').then((rows) => rows.filter((r) => r.subject === 'IGO-5'));
    expect(event!.details.openControls).toBeUndefined();
  });
});
