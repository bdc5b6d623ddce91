/**
 * A step with two predecessors ("a join") that finish at the same moment, each in its own
 * transaction on its own connection: exactly one of the two commands must announce the join as
 * ready and enqueue its card. Without serialising on the successor, each transaction reads the
 * other predecessor as not yet done and the card is never posted. On PGlite (one connection) the
 * commands run one after the other; on PostgreSQL they really overlap.
 */
import { sql } from '../../src/db/orm.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import type { PlanModel } from '../../src/domain/plan-model.js';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';

const JOINS = 12;
let database: TestDatabase;
let engine: Engine;

/** Steps TRT-(3i+1) and TRT-(3i+2) both precede TRT-(3i+3), for i < JOINS. */
function planOfJoins(): PlanModel {
  const base = smallPlan();
  const template = base.steps[0]!;
  const steps = [];
  for (let i = 0; i < JOINS; i++) {
    const [a, b, join] = [3 * i + 1, 3 * i + 2, 3 * i + 3].map((n) => `TRT-${n}`);
    steps.push({ ...template, id: a!, predecessors: [], scope: ['Run1'] });
    steps.push({ ...template, id: b!, predecessors: [], scope: ['Run1'] });
    steps.push({ ...template, id: join!, predecessors: [a!, b!], scope: ['Run1'] });
  }
  return { ...base, steps, tasks: [], controls: [] };
}

const pilot = { aadObjectId: PEOPLE.pilot.aadObjectId };

beforeAll(async () => {
  database = await createTestDatabase();
  engine = new Engine({ database, directory: smallDirectory() });
  await storePlan(database, planOfJoins(), { actor: 'test', source: 'joins' });
  expect(
    (await engine.execute({ action: 'activate', subject: 'Run1', actor: pilot, source: 'cli' })).outcome,
  ).toBe('applied');
  const predecessors = Array.from({ length: JOINS }, (_, i) => [
    `TRT-${3 * i + 1}`,
    `TRT-${3 * i + 2}`,
  ]).flat();
  for (const step of predecessors) {
    const started = await engine.execute({ action: 'start', subject: step, actor: pilot, source: 'cli' });
    expect(started.outcome).toBe('applied');
  }
});
afterAll(() => database?.destroy());

it('announces a join exactly once when its two predecessors finish at the same moment', async () => {
  const done = (step: string) =>
    engine.execute({ action: 'done', subject: step, actor: pilot, source: 'cli' });
  const results = await Promise.all(
    Array.from({ length: JOINS }, (_, i) => [done(`TRT-${3 * i + 1}`), done(`TRT-${3 * i + 2}`)]).flat(),
  );
  expect(results.map((r) => r.outcome)).toEqual(Array(2 * JOINS).fill('applied'));

  const announced = results.flatMap((r) => (r.outcome === 'applied' ? (r.becameReady ?? []) : [])).sort();
  const joins = Array.from({ length: JOINS }, (_, i) => `TRT-${3 * i + 3}`).sort();
  expect(announced).toEqual(joins);
  const cards = await queryRows<{ key: string }>(
    database.db,
    sql`select s.key from jobs j join steps s on s.id = (j.payload->>'stepId')::int
        where j.kind = 'step-card.sync' and s.key in ${sql`(${sql.join(
          joins.map((key) => sql`${key}`),
          sql`, `,
        )})`}`,
  );
  expect(new Set(cards.map((c) => c.key))).toEqual(new Set(joins));
});
