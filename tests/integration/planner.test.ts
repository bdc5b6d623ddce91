/**
 * The planner's read model, the chapter plan edit and the controls grid on the small plan
 * (tests/support/small-plan.ts) with a second phase, every figure worked out by hand:
 *
 *   CSD migration  > Extraction  TRT-1, TRT-3, TRT-4 in Run1  planned Sat 5 Dec 18:00 → Sun 6 Dec 02:00
 *   Post-migration > Reopen      TRT-5 in Run1                planned Sun 6 Dec 02:00 → 06:00
 *   (Europe/Zurich, CET = UTC+1 in December; DR1 is planned two weeks later)
 *
 * Run1 is played: TRT-1 18:10 → 18:40, TRT-3 18:45 → 20:00, TRT-4 20:10 → 02:30, TRT-5 waits.
 * At 06:30 Extraction finished 30 min late and Reopen is 30 min past its planned end, not started.
 */
import { sql } from '../../src/db/orm.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import type { PlanModel } from '../../src/domain/plan-model.js';
import { changeChapterPlan, type ChapterPlanChange } from '../../src/engine/chapter-plan-edit.js';
import { loadControlsGrid } from '../../src/engine/controls-grid.js';
import { Engine } from '../../src/engine/engine.js';
import { loadPlannerView } from '../../src/engine/planner-read-model.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { renderPlannerHtml } from '../../src/export/planner-html.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** A Zurich wall-clock time in December 2026 (CET, UTC+1). */
const zurich = (local: string) => new Date(`${local}:00+01:00`);
const NOW = zurich('2026-12-06T06:30');

function plannerPlan(): PlanModel {
  const plan = smallPlan();
  return {
    ...plan,
    phases: [...plan.phases, { order: 2, name: 'Post-migration' }],
    chapters: [...plan.chapters, { order: 2, name: 'Reopen', phase: 'Post-migration' }],
    steps: [
      ...plan.steps,
      {
        ...plan.steps[3]!,
        id: 'TRT-5',
        title: 'Reopen the channels',
        chapter: 'Reopen',
        predecessors: ['TRT-4'],
      },
    ],
    schedule: [
      { iteration: 'Run1', chapter: 'Extraction', start: '2026-12-05T18:00', end: '2026-12-06T02:00' },
      { iteration: 'Run1', chapter: 'Reopen', start: '2026-12-06T02:00', end: '2026-12-06T06:00' },
      { iteration: 'DR1', chapter: 'Extraction', start: '2026-12-19T18:00', end: '2026-12-20T02:00' },
      { iteration: 'DR1', chapter: 'Reopen', start: '2026-12-20T02:00', end: '2026-12-20T06:00' },
    ],
  };
}

let database: TestDatabase;
let engine: Engine;
let clock = zurich('2026-12-05T17:30');

beforeAll(async () => {
  database = await createTestDatabase();
  engine = new Engine({ database, directory: smallDirectory(), clock: () => clock });
  await storePlan(database, plannerPlan(), { actor: 'test', source: 'planner-plan' });
  const pilot = { aadObjectId: PEOPLE.pilot.aadObjectId };
  const act = async (local: string, action: 'activate' | 'start' | 'done', subject: string) => {
    clock = zurich(local);
    const result = await engine.execute({
      action,
      subject,
      iteration: 'Run1',
      actor: pilot,
      force: true,
      source: 'cli',
    });
    expect(result.outcome, result.message).toBe('applied');
  };
  await act('2026-12-05T17:30', 'activate', 'Run1');
  await act('2026-12-05T18:10', 'start', 'TRT-1');
  await act('2026-12-05T18:40', 'done', 'TRT-1');
  await act('2026-12-05T18:45', 'start', 'TRT-3');
  await act('2026-12-05T20:00', 'done', 'TRT-3');
  await act('2026-12-05T20:10', 'start', 'TRT-4');
  await act('2026-12-06T02:30', 'done', 'TRT-4');
});
afterAll(() => database?.destroy());

describe('the planner read model', () => {
  it('gives each chapter its plan, actual times, progress and lateness, in Zurich time', async () => {
    const view = await loadPlannerView(database.db, 'run1', NOW);
    expect(view.iteration).toMatchObject({ name: 'Run1', status: 'ACTIVE', timeZone: 'Europe/Zurich' });
    expect(view.generatedAt.label).toBe('2026-12-06 06:30 CET');
    const [csd, post] = view.phases;
    expect(csd!.chapters[0]).toMatchObject({
      name: 'Extraction',
      planned: {
        start: { local: '2026-12-05T18:00', label: 'Sat 5 Dec 18:00', at: '2026-12-05T17:00:00.000Z' },
        end: { local: '2026-12-06T02:00', label: 'Sun 6 Dec 02:00' },
      },
      actual: { start: { local: '2026-12-05T18:10' }, end: { local: '2026-12-06T02:30' } },
      steps: { total: 3, finished: 3, inProgress: 0, failed: 0, onHold: 0 },
      progress: 1,
      state: 'finished',
      late: true,
      lateByMinutes: 30,
      statusText: 'Late by 30 min: finished',
    });
    expect(post!.chapters[0]).toMatchObject({
      name: 'Reopen',
      actual: { start: null, end: null },
      steps: { total: 1, finished: 0 },
      state: 'not-started',
      late: true,
      lateByMinutes: 30,
      statusText: 'Late by 30 min: not started',
    });
    // Phases aggregate their chapters.
    expect(csd).toMatchObject({ name: 'CSD migration', late: true, lateChapters: 1, progress: 1 });
    expect(post).toMatchObject({ name: 'Post-migration', planned: { start: { local: '2026-12-06T02:00' } } });
    expect(view.totals).toEqual({ chapters: 2, scheduled: 2, late: 2, steps: 4, finished: 3 });

    // Two days on the grid; Extraction is 18:00-24:00 on the first and 00:00-02:00 on the second.
    expect(view.days.map((d) => [d.date, d.hours.length, d.hours[0]!.label])).toEqual([
      ['2026-12-05', 24, '00'],
      ['2026-12-06', 24, '00'],
    ]);
    expect(csd!.chapters[0]!.segments.planned).toEqual([
      { day: 0, left: 0.75, width: 0.25, continuesBefore: false, continuesAfter: true },
      { day: 1, left: 0, width: 2 / 24, continuesBefore: true, continuesAfter: false },
    ]);
    expect(view.now).toEqual({ at: NOW.toISOString(), day: 1, left: 6.5 / 24 });
  });

  it('marks nothing late before the reference time, and nothing in an iteration never activated', async () => {
    const early = await loadPlannerView(database.db, 'Run1', zurich('2026-12-06T01:00'));
    expect(early.phases.flatMap((p) => p.chapters).map((c) => [c.name, c.late, c.state])).toEqual([
      ['Extraction', true, 'finished'], // it did finish at 02:30, after 02:00: late whatever the hour
      ['Reopen', false, 'not-started'],
    ]);
    const dr1 = await loadPlannerView(database.db, 'DR1', NOW);
    expect(dr1.totals.late).toBe(0);
    expect(dr1.now).toBeNull();
  });

  it('renders the export with every chapter, escaped, and without script', async () => {
    const html = renderPlannerHtml(await loadPlannerView(database.db, 'Run1', NOW));
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<th scope="row" class="chapter-name">Extraction');
    expect(html).toContain('Sat 5 Dec 2026');
    expect(html).toContain('Late by 30 min: not started');
  });
});

describe('changing a chapter plan', () => {
  const change = (person: keyof typeof PEOPLE, fields: Partial<ChapterPlanChange> = {}) =>
    changeChapterPlan(
      engine,
      {
        chapter: 'Reopen',
        iteration: 'Run1',
        start: '2026-12-06 03:00',
        end: '2026-12-06 07:00',
        actor: { aadObjectId: PEOPLE[person].aadObjectId },
        source: 'tab',
        ...fields,
      },
      { now: NOW },
    );
  const eventsOf = async (subject: string) =>
    queryRows<{ type: string; actor: string; details: Record<string, unknown> }>(
      database.db,
      sql`select type, actor, details from audit_events where subject = ${subject} order by seq`,
    );

  it('refuses viewers and team members, naming the role needed, and audits the refusal', async () => {
    expect(await change('viewer')).toMatchObject({
      outcome: 'refused',
      code: 'ROLE',
      message: 'Only a pilot may change the plan of a chapter. Greta Manager is a viewer (in no team).',
    });
    expect(await change('engine')).toMatchObject({
      outcome: 'refused',
      code: 'ROLE',
      message: 'Only a pilot may change the plan of a chapter. Luca Engine is in Engine.',
    });
    const events = await eventsOf('Reopen');
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['chapter.refused', PEOPLE.viewer.email],
      ['chapter.refused', PEOPLE.engine.email],
    ]);
    expect(events[0]!.details).toMatchObject({ code: 'ROLE', source: 'tab' });
    const view = await loadPlannerView(database.db, 'Run1', NOW);
    expect(view.phases[1]!.chapters[0]!.planned!.end.local).toBe('2026-12-06T06:00');
  });

  it('refuses an end not after the start, a plan reaching into the next iteration, and a month-long one', async () => {
    expect(await change('pilot', { end: '2026-12-06 02:59' })).toMatchObject({
      code: 'END_NOT_AFTER_START',
      message: 'The end 2026-12-06 02:59 is not after the start 2026-12-06 03:00 of Reopen.',
    });
    expect(await change('pilot', { end: '2026-12-20 01:00' })).toMatchObject({
      code: 'OUTSIDE_ITERATION',
      message:
        'The end 2026-12-20 01:00 is after the start of DR1 (2026-12-19 18:00), the iteration after Run1: the plan of Reopen must lie inside Run1.',
    });
    // DR1 is the last iteration: no neighbour after it, but 2027 makes it span far more than 31 days.
    expect(
      await change('pilot', { iteration: 'DR1', start: '2027-12-20 02:00', end: '2027-12-20 06:00' }),
    ).toMatchObject({
      code: 'OUTSIDE_ITERATION',
      message: expect.stringMatching(
        /^With 2027-12-20 02:00 – 2027-12-20 06:00 for Reopen, DR1 would span 366 days/,
      ),
    });
    expect(await change('pilot', { start: 'tomorrow' })).toMatchObject({
      code: 'INVALID_TIME',
      message:
        'The start "tomorrow" is not a date and time; write it as 2026-09-18 18:00 (in Europe/Zurich).',
    });
    expect(await change('pilot', { chapter: 'Nope' })).toMatchObject({ code: 'UNKNOWN_CHAPTER' });
  });

  it('applies a pilot change with before and after in the audit log; a repeat and a stale edit change nothing', async () => {
    const applied = await change('pilot', { seen: { start: '2026-12-06T02:00', end: '2026-12-06T06:00' } });
    expect(applied).toMatchObject({
      outcome: 'applied',
      before: { start: '2026-12-06T02:00', end: '2026-12-06T06:00' },
      after: { start: '2026-12-06T03:00', end: '2026-12-06T07:00' },
      message:
        'Reopen in Run1 planned 2026-12-06 03:00 – 2026-12-06 07:00 Europe/Zurich by Claire Pilot (was 2026-12-06 02:00 – 2026-12-06 06:00).',
    });
    const last = (await eventsOf('Reopen')).at(-1)!;
    expect(last).toMatchObject({
      type: 'chapter.plan',
      actor: PEOPLE.pilot.email,
      details: {
        before: applied.outcome === 'applied' ? applied.before : null,
        after: { start: '2026-12-06T03:00' },
      },
    });
    const view = await loadPlannerView(database.db, 'Run1', NOW);
    expect(view.phases[1]!.chapters[0]).toMatchObject({
      planned: { end: { label: 'Sun 6 Dec 07:00' } },
      late: false,
    });

    expect(await change('pilot')).toMatchObject({ outcome: 'duplicate' });
    expect(
      await change('pilot', {
        end: '2026-12-06 08:00',
        seen: { start: '2026-12-06T02:00', end: '2026-12-06T06:00' },
      }),
    ).toMatchObject({
      outcome: 'stale',
      message:
        'Reopen in Run1 is now planned 2026-12-06 03:00 – 2026-12-06 07:00 (changed by Claire Pilot at 2026-12-06 06:30 CET), not what you saw. Nothing changed.',
    });
    expect((await eventsOf('Reopen')).slice(-2).map((e) => e.type)).toEqual([
      'chapter.duplicate',
      'chapter.stale',
    ]);
  });
});

describe('the controls grid', () => {
  it('shows each result with who and when, and filters by phase, team, result and text', async () => {
    clock = zurich('2026-12-05T19:00');
    const passed = await engine.execute({
      action: 'pass',
      subject: 'C0001-a',
      iteration: 'Run1',
      actor: { aadObjectId: PEOPLE.engine.aadObjectId },
      source: 'teams',
    });
    expect(passed.outcome, passed.message).toBe('applied');
    clock = zurich('2026-12-05T19:10');
    const confirmed = await engine.execute({
      action: 'confirm',
      subject: 'C0001-a',
      iteration: 'Run1',
      actor: { aadObjectId: PEOPLE.dba.aadObjectId },
      source: 'tab',
    });
    expect(confirmed.outcome, confirmed.message).toBe('applied');
    const grid = await loadControlsGrid(database.db);
    expect(grid.iterations.map((i) => i.name)).toEqual(['Run1', 'DR1']);
    expect(grid.rows).toEqual([
      {
        id: 'C0001-a',
        name: 'Row counts',
        producer: 'Engine',
        validator: 'DBA',
        phases: ['CSD migration'],
        results: {
          Run1: {
            result: 'PASSED',
            by: PEOPLE.engine.email,
            byName: 'Luca Engine',
            at: '2026-12-05T18:00:00.000Z',
            atLabel: '2026-12-05 19:00 CET',
            confirmedByName: 'Pierre DBA',
            confirmedAtLabel: '2026-12-05 19:10 CET',
          },
          DR1: {
            result: 'OPEN',
            by: null,
            byName: null,
            at: null,
            atLabel: null,
            confirmedByName: null,
            confirmedAtLabel: null,
          },
        },
      },
    ]);
    const count = async (filter: Parameters<typeof loadControlsGrid>[1]) =>
      (await loadControlsGrid(database.db, filter)).rows.length;
    expect(await count({ producer: 'dba' })).toBe(0);
    expect(await count({ validator: 'DBA' })).toBe(1);
    expect(await count({ phase: 'Post-migration' })).toBe(0);
    expect(await count({ phase: 'csd migration' })).toBe(1);
    expect(await count({ result: 'PASSED', resultIn: 'Run1' })).toBe(1);
    expect(await count({ result: 'PASSED', resultIn: 'DR1' })).toBe(0);
    expect(await count({ result: 'OPEN', resultIn: 'DR1' })).toBe(1);
    expect(await count({ text: 'row c' })).toBe(1);
    expect(await count({ text: '100%' })).toBe(0);
  });
});
