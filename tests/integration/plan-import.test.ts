/**
 * Importing plans into the database: the samples import cleanly, export round-trips through the
 * database, a re-import updates by business key and archives what disappeared while keeping the
 * execution history.
 */
import path from 'node:path';
import { sql } from '../../src/db/orm.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { Engine } from '../../src/engine/engine.js';
import { loadPlanModel } from '../../src/engine/load-plan.js';
import { getStepDetail } from '../../src/engine/read-models.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { readPlanFile, readPlanJson } from '../../src/import/read-plan.js';
import { writePlanJson } from '../../src/import/write-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';

const SAMPLES = path.resolve(import.meta.dirname, '../../samples');
const registered = {
  registeredStepTypes: new Set(['TRT', 'PRE', 'BUS', 'IGO', 'BGO', 'DUM', 'SYS', 'CHK', 'GON']),
};

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.destroy());

const count = async (table: string) =>
  (
    await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from ${sql.identifier(table)}`)
  )[0]!.n;

describe('importing the samples', () => {
  it.each(['demo-runsheet.xlsx', 'demo-runsheet.json'])(
    '%s imports and exports back to the same plan',
    async (file) => {
      const read = await readPlanFile(path.join(SAMPLES, file), registered);
      expect(read.problems.filter((p) => p.severity === 'error')).toEqual([]);
      const summary = await storePlan(database, read.plan!, { actor: 'test', source: file });
      expect(summary.counts).toEqual({
        steps: 121,
        tasks: 303,
        controls: 46,
        chapters: 8,
        teams: 10,
        iterations: 7,
        schedule: 56,
      });
      expect(summary.created).toEqual({ steps: 121, tasks: 303, controls: 46 });

      const exported = await loadPlanModel(database.db);
      expect(exported).toEqual(read.plan);
      // And the exported JSON reads back to the same plan (import(export(plan)) = plan).
      expect(readPlanJson(writePlanJson(exported), registered).plan).toEqual(read.plan);
    },
  );

  it('stores schedule times in the iteration time zone', async () => {
    const read = await readPlanFile(path.join(SAMPLES, 'demo-runsheet.json'), registered);
    await storePlan(database, read.plan!, { actor: 'test', source: 'json' });
    const [first] = await queryRows<{ start: string }>(
      database.db,
      sql`select to_char(planned_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as start from chapter_schedules cs
          join iterations i on i.id = cs.iteration_id join chapters c on c.id = cs.chapter_id
          where i.name = 'Run0' and c.name = 'Freeze source changes'`,
    );
    // 2026-09-04T18:00 in Zurich (CEST, UTC+2).
    expect(first!.start).toBe('2026-09-04 16:00');
  });
});

describe('step types', () => {
  it("keeps the plan's order of step types, new ones included, through export", async () => {
    const plan = smallPlan();
    plan.stepTypes = [
      { type: 'CHK', name: 'Technical check' },
      { type: 'ZZZ', name: 'Extra type of this plan' },
      { type: 'TRT', name: 'Treatment' },
    ];
    await storePlan(database, plan, { actor: 'test', source: 'types' });
    const exported = (await loadPlanModel(database.db)).stepTypes.map((t) => t.type);
    // The plan's three first, in its order; the other registered types after them.
    expect(exported.slice(0, 3)).toEqual(['CHK', 'ZZZ', 'TRT']);
    expect(exported.slice(3)).toEqual(['PRE', 'BUS', 'IGO', 'BGO', 'DUM', 'SYS', 'GON']);
  });
});

describe('re-importing a changed plan', () => {
  it('updates by business key, archives what disappeared and keeps execution history', async () => {
    await storePlan(database, smallPlan(), { actor: 'test', source: 'v1' });
    const engine = new Engine({ database, directory: smallDirectory() });
    const pilot = { aadObjectId: PEOPLE.pilot.aadObjectId };
    await engine.execute({ action: 'activate', subject: 'Run1', actor: pilot, source: 'cli' });
    await engine.execute({ action: 'start', subject: 'TRT-1', actor: pilot, source: 'cli' });

    const v2 = smallPlan();
    v2.steps = v2.steps
      .filter((s) => s.id !== 'TRT-4')
      .map((s) => (s.id === 'TRT-1' ? { ...s, title: 'Export client master' } : s));
    v2.tasks = v2.tasks.filter((t) => t.id !== 'TRT-1-2');
    const summary = await storePlan(database, v2, { actor: 'test', source: 'v2' });
    expect(summary).toMatchObject({
      revision: 2,
      created: { steps: 0, tasks: 0 },
      archived: { steps: 1, tasks: 1, controls: 0 },
    });

    expect(await count('steps')).toBe(4); // archived, never deleted
    const detail = await getStepDetail(engine, 'TRT-1');
    expect(detail).toMatchObject({
      title: 'Export client master',
      status: 'IN_PROGRESS',
      tasks: [{ id: 'TRT-1-1', status: 'OPEN' }],
    });
    expect(detail.successors.map((s) => s.id)).toEqual(['TRT-3']);
    expect((await loadPlanModel(database.db)).steps.map((s) => s.id)).toEqual(['TRT-1', 'TRT-2', 'TRT-3']);
    await expect(
      engine.execute({ action: 'start', subject: 'TRT-4', actor: pilot, source: 'cli', force: true }),
    ).resolves.toMatchObject({
      outcome: 'refused',
      code: 'UNKNOWN_SUBJECT',
    });

    // Bringing it back un-archives it.
    expect((await storePlan(database, smallPlan(), { actor: 'test', source: 'v3' })).archived).toEqual({
      steps: 0,
      tasks: 0,
      controls: 0,
    });
    expect((await loadPlanModel(database.db)).steps.map((s) => s.id)).toEqual([
      'TRT-1',
      'TRT-2',
      'TRT-3',
      'TRT-4',
    ]);

    // During the active iteration, a step the new plan adds with nothing to wait for is ready at
    // once: its execution state is opened and its card queued with the import.
    const v4 = smallPlan();
    v4.steps.push({
      ...v4.steps[0]!,
      id: 'TRT-5',
      title: 'Added during Run1',
      predecessors: [],
      scope: ['Run1'],
    });
    const withNewStep = await storePlan(database, v4, { actor: 'test', source: 'v4' });
    expect(withNewStep.cardsQueued).toBe(1);
    const five = await getStepDetail(engine, 'TRT-5');
    expect(five).toMatchObject({ status: 'OPEN', ready: true });
    const queued = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from jobs j join steps s on s.id = (j.payload->>'stepId')::int
          where j.kind = 'step-card.sync' and j.state = 'pending' and s.key = 'TRT-5'`,
    );
    expect(queued[0]!.n).toBe(1);
  });
});
