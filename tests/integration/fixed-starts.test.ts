/**
 * Fixed starts ("not before"): imported from the `Fixed starts` sheet (or JSON `fixedStarts`),
 * honoured by readiness, shown on the card, opened by a timer job at the time, and forced early by
 * a pilot (audited).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/orm.js';
import { queryRows } from '../../src/db/client.js';
import type { PlanModel } from '../../src/domain/plan-model.js';
import { scanAlerts } from '../../src/engine/alert-scan.js';
import { Engine } from '../../src/engine/engine.js';
import { createStepOpenHandler, STEP_OPEN_KIND } from '../../src/engine/step-open-timer.js';
import { loadPlanModel } from '../../src/engine/load-plan.js';
import { getStepDetail } from '../../src/engine/read-models.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { readPlanJson, readPlanWorkbook } from '../../src/import/read-plan.js';
import { writePlanJson, writePlanWorkbook } from '../../src/import/write-plan.js';
import { JobWorker } from '../../src/jobs/worker.js';
import { loadStepCardData } from '../../src/teams/cards/step-card-data.js';
import { renderStepCard } from '../../src/teams/cards/render-step-card.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const SETTINGS = { overrunGraceMinutes: 5, readyGraceMinutes: 60, chapterGraceMinutes: 600 };
const OPTIONS = { registeredStepTypes: new Set<string>() };

function planWithFixedStarts(): PlanModel {
  return {
    ...smallPlan(),
    // Zurich is UTC+1 in December: 23:30 local is 22:30Z, 23:59 local is 22:59Z.
    fixedStarts: [
      { iteration: 'Run1', step: 'TRT-3', notBefore: '2026-12-05T23:30' },
      { iteration: 'Run1', step: 'TRT-4', notBefore: '2026-12-05T23:59' },
    ],
  };
}

let database: TestDatabase;
let engine: Engine;
let now = new Date('2026-12-05T22:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  engine = new Engine({ database, directory: smallDirectory(), clock: () => now });
});
afterAll(async () => {
  await database?.destroy();
});

const act = async (
  action: 'start' | 'done' | 'activate',
  subject: string,
  person: keyof typeof PEOPLE,
  force = false,
) =>
  engine.execute({
    action,
    subject,
    actor: { aadObjectId: PEOPLE[person].aadObjectId },
    force,
    source: 'teams',
  });

describe('the Fixed starts sheet', () => {
  it('reads and writes the same fixed starts in JSON and in a workbook', async () => {
    const json = readPlanJson(writePlanJson(planWithFixedStarts()), OPTIONS);
    expect(json.problems).toEqual([]);
    expect(json.plan!.fixedStarts).toEqual(planWithFixedStarts().fixedStarts);
    const workbook = await readPlanWorkbook(await writePlanWorkbook(planWithFixedStarts()), OPTIONS);
    expect(workbook.plan!.fixedStarts).toEqual(planWithFixedStarts().fixedStarts);
    // A plan without fixed starts writes no such sheet or array.
    expect(writePlanJson(smallPlan())).not.toContain('fixedStarts');
  });

  it('refuses an unknown step, a step out of scope and a second fixed start for one step', () => {
    const plan = planWithFixedStarts();
    plan.fixedStarts = [
      { iteration: 'Run1', step: 'TRT-9', notBefore: '2026-12-05T23:30' },
      { iteration: 'Run1', step: 'TRT-2', notBefore: '2026-12-05T23:30' },
      { iteration: 'Run1', step: 'TRT-3', notBefore: '2026-12-05T23:30' },
      { iteration: 'Run1', step: 'trt3', notBefore: '2026-12-05T23:40' },
    ];
    const result = readPlanJson(JSON.stringify(plan), OPTIONS);
    expect(result.plan).toBeNull();
    expect(result.problems.map((p) => `${p.where}: ${p.problem}`)).toEqual([
      'fixedStarts[0].step: unknown step TRT-9',
      'fixedStarts[1].step: step TRT-2 is not in scope of iteration Run1',
      'fixedStarts[3].step: step TRT-3 already has a fixed start in iteration Run1 (at fixedStarts[2].step)',
    ]);
  });

  it('stores them in the iteration time zone and exports them back', async () => {
    await storePlan(database, planWithFixedStarts(), { actor: 'test', source: 'small-plan' });
    const rows = await queryRows<{ key: string; not_before: Date | string }>(
      database.db,
      sql`select s.key, fs.not_before from step_fixed_starts fs join steps s on s.id = fs.step_id order by s.key`,
    );
    expect(rows.map((r) => [r.key, new Date(r.not_before).toISOString()])).toEqual([
      ['TRT-3', '2026-12-05T22:30:00.000Z'],
      ['TRT-4', '2026-12-05T22:59:00.000Z'],
    ]);
    expect((await loadPlanModel(database.db)).fixedStarts).toEqual(planWithFixedStarts().fixedStarts);
  });
});

describe('a step with a fixed start', () => {
  it('is not ready before its time even with its predecessors done, and its card says when it opens', async () => {
    expect((await act('activate', 'Run1', 'pilot')).outcome).toBe('applied');
    expect((await act('start', 'TRT-1', 'engine')).outcome).toBe('applied');
    now = new Date('2026-12-05T22:10:00Z');
    const done = await act('done', 'TRT-1', 'pilot', true);
    expect(done).toMatchObject({ outcome: 'applied', becameReady: [] });

    const detail = await getStepDetail(engine, 'TRT-3');
    expect(detail.ready).toBe(false);
    const [step] = await queryRows<{ id: number; iteration: number }>(
      database.db,
      sql`select s.id, i.id as iteration from steps s, iterations i where s.key = 'TRT-3' and i.name = 'Run1'`,
    );
    const card = await loadStepCardData(engine, step!.iteration, step!.id, now);
    expect(card).toMatchObject({ ready: false, opensAt: '2026-12-05 23:30 CET' });
    expect(JSON.stringify(renderStepCard(card, null))).toContain(
      'Opens at 2026-12-05 23:30 CET (fixed start).',
    );

    const refused = await act('start', 'TRT-3', 'engine');
    expect(refused).toMatchObject({
      outcome: 'refused',
      code: 'NOT_READY',
      message:
        'Step TRT-3 is not ready: it opens at 2026-12-05 23:30 CET (fixed start). Only a pilot may force it.',
    });
  });

  it('opens at its time through a timer job that the scan scheduled: audited, card queued', async () => {
    await scanAlerts(engine, SETTINGS, now);
    const timers = await queryRows<{ run_at: Date | string; state: string }>(
      database.db,
      sql`select run_at, state from jobs where kind = ${STEP_OPEN_KIND} order by run_at`,
    );
    expect(timers.map((t) => [new Date(t.run_at).toISOString(), t.state])).toEqual([
      ['2026-12-05T22:30:00.000Z', 'pending'],
      ['2026-12-05T22:59:00.000Z', 'pending'],
    ]);
    await scanAlerts(engine, SETTINGS, now); // a second scan adds nothing
    const worker = new JobWorker({
      database,
      workerId: 'test',
      handlers: { [STEP_OPEN_KIND]: createStepOpenHandler(engine, () => now) },
      clock: () => now,
    });
    expect(await worker.runOnce()).toBe(0);
    now = new Date('2026-12-05T22:30:00Z');
    expect(await worker.runOnce()).toBe(1);
    expect((await getStepDetail(engine, 'TRT-3')).ready).toBe(true);
    const [opened] = await queryRows<{ subject: string; details: { notBefore: string } }>(
      database.db,
      sql`select subject, details from audit_events where type = 'step.opened'`,
    );
    expect(opened).toMatchObject({ subject: 'TRT-3', details: { notBefore: '2026-12-05T22:30:00.000Z' } });
    const [card] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from jobs j join steps s on s.id = (j.payload->>'stepId')::int
          where j.kind = 'step-card.sync' and j.state = 'pending' and s.key = 'TRT-3'`,
    );
    expect(card!.n).toBe(1);
  });

  it('may be started early by a pilot, and the audit says so', async () => {
    expect((await act('start', 'TRT-3', 'engine')).outcome).toBe('applied');
    expect((await act('done', 'TRT-3', 'engine')).outcome).toBe('applied');
    expect((await act('start', 'TRT-4', 'dba')).outcome).toBe('refused');
    const forced = await act('start', 'TRT-4', 'pilot', true);
    expect(forced).toMatchObject({ outcome: 'applied', forced: true });
    const [event] = await queryRows<{ details: Record<string, unknown> }>(
      database.db,
      sql`select details from audit_events where type = 'step.start' and subject = 'TRT-4'`,
    );
    expect(event!.details).toMatchObject({ forced: true, force: true, notBefore: '2026-12-05 23:59 CET' });
  });
});
