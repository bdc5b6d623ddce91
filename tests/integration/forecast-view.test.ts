/**
 * The forecast and the critical path as the tab (board, step list, step detail, planner) and the
 * step card show them, over HTTP on a small plan, every figure worked out by hand.
 *
 * Run1 (Europe/Zurich, CET = UTC+1 in December), every step 30 min except TRT-5 (90 min):
 *
 *   CSD migration  > Extraction  TRT-1 → TRT-3 → TRT-4 (TRT-2 out of scope)  planned 18:00 → 20:00
 *   Post-migration > Reopen      TRT-1 → TRT-5                               planned 18:30 → 20:00
 *
 * Played: activate 17:30, TRT-1 18:00 → 18:40, TRT-3 started 18:50.
 *
 * At 19:00: TRT-3 ends 19:20; TRT-4 waits for it: 19:20 → 19:50; TRT-5 is ready: 19:00 → 20:30.
 * The latest end is TRT-5's (20:30) and nothing drives it: the critical path is TRT-5 alone.
 * Extraction 18:00 → 19:50 (planned end 20:00: on time), Reopen 19:00 → 20:30 (30 min late), the
 * iteration ends 20:30 against its latest planned end 20:00: late by 30 min.
 *
 * Held at 19:00 (while OPEN), TRT-5 resumes after the assumed 30 min: 19:30 → 21:00.
 *
 * Resumed and started at 19:00, then at 20:10 with TRT-3 still running: TRT-3 may end any moment
 * (20:10), TRT-4 runs 20:10 → 20:40, TRT-5 ends 20:30. The critical path is now TRT-3 → TRT-4,
 * and the iteration ends 20:40: late by 40 min.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { sql } from '../../src/db/orm.js';
import type { PlanModel } from '../../src/domain/plan-model.js';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { loadStepCardData } from '../../src/teams/cards/step-card-data.js';
import { buildStepCardView } from '../../src/teams/cards/render-step-card.js';
import { startLocalTabServer, type LocalTabServer } from '../support/local-tab-server.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A Zurich wall-clock time in December 2026 (CET, UTC+1). */
const zurich = (local: string) => new Date(`${local}:00+01:00`);

function forecastPlan(): PlanModel {
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
        team: 'Engine',
        chapter: 'Reopen',
        durationMinutes: 90,
        predecessors: ['TRT-1'],
      },
    ],
    schedule: [
      { iteration: 'Run1', chapter: 'Extraction', start: '2026-12-05T18:00', end: '2026-12-05T20:00' },
      { iteration: 'Run1', chapter: 'Reopen', start: '2026-12-05T18:30', end: '2026-12-05T20:00' },
    ],
  };
}

let database: TestDatabase;
let engine: Engine;
let tabServer: LocalTabServer | undefined;
let base: string;
let clock = zurich('2026-12-05T17:30');

async function act(local: string, action: string, subject: string, reason?: string) {
  clock = zurich(local);
  const result = await engine.execute({
    action: action as 'start',
    subject,
    iteration: 'Run1',
    actor: { aadObjectId: PEOPLE.pilot.aadObjectId },
    force: true,
    reason: reason ?? null,
    source: 'cli',
  });
  expect(result.outcome, result.message).toBe('applied');
}

async function get(path: string): Promise<Json> {
  const response = await fetch(`${base}/tab/api${path}`, {
    headers: { 'x-runsheet-local-user': PEOPLE.pilot.email },
  });
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

async function cardOf(step: string) {
  const snapshot = await engine.snapshot();
  const index = snapshot.indexOfKey(step)!;
  const [iteration] = await queryRows<{ id: number }>(
    database.db,
    sql`select id from iterations where name = 'Run1'`,
  );
  return loadStepCardData(engine, iteration!.id, snapshot.steps[index]!.dbId, clock);
}

beforeAll(async () => {
  database = await createTestDatabase();
  engine = new Engine({ database, directory: smallDirectory(), clock: () => clock });
  await storePlan(database, forecastPlan(), { actor: 'test', source: 'forecast-plan' });
  await act('2026-12-05T17:30', 'activate', 'Run1');
  await act('2026-12-05T18:00', 'start', 'TRT-1');
  await act('2026-12-05T18:40', 'done', 'TRT-1');
  await act('2026-12-05T18:50', 'start', 'TRT-3');
  clock = zurich('2026-12-05T19:00');
  tabServer = await startLocalTabServer(engine, () => clock);
  base = tabServer.base;
}, 60_000);

afterAll(async () => {
  await tabServer?.stop();
  await database?.destroy();
});

describe('the forecast on the board, the planner and the card', () => {
  it('at 19:00: the board header has the iteration and chapter forecast ends and the critical path', async () => {
    const board = await get('/board?iteration=Run1');
    const f = board.forecast;
    expect(f.end.local).toBe('2026-12-05 20:30 CET');
    expect(f.plannedEnd.local).toBe('2026-12-05 20:00 CET');
    expect(f.lateByMinutes).toBe(30);
    expect(f.openSteps).toBe(3);
    expect(f.durations).toEqual({ basis: 'indicative', label: 'indicative durations' });
    expect(f.criticalPath.map((s: Json) => s.id)).toEqual(['TRT-5']);
    expect(f.criticalPath[0].start.local).toBe('2026-12-05 19:00 CET');
    expect(
      f.chapters.map((c: Json) => [
        c.name,
        c.start.local,
        c.end.local,
        c.lateByMinutes,
        c.openSteps,
        c.critical,
      ]),
    ).toEqual([
      ['Extraction', '2026-12-05 18:00 CET', '2026-12-05 19:50 CET', null, 2, false],
      ['Reopen', '2026-12-05 19:00 CET', '2026-12-05 20:30 CET', 30, 1, true],
    ]);
  });

  it('at 19:00: the step list and the detail carry each step forecast and its critical mark', async () => {
    const page = await get('/board/steps?iteration=Run1&status=all');
    const byId = Object.fromEntries(page.steps.map((s: Json) => [s.id, s.forecast]));
    expect(byId['TRT-1']).toMatchObject({ finished: true, critical: false });
    expect(byId['TRT-3']).toMatchObject({ end: { local: '2026-12-05 19:20 CET' }, critical: false });
    expect(byId['TRT-4']).toMatchObject({
      start: { local: '2026-12-05 19:20 CET' },
      end: { local: '2026-12-05 19:50 CET' },
      critical: false,
      waitsFor: 'TRT-3',
    });
    expect(byId['TRT-5']).toMatchObject({ end: { local: '2026-12-05 20:30 CET' }, critical: true });
    const detail = await get('/steps/TRT-4?iteration=Run1');
    expect(detail.forecast).toMatchObject({
      start: { local: '2026-12-05 19:20 CET' },
      end: { local: '2026-12-05 19:50 CET' },
      finished: false,
      critical: false,
      waitsFor: 'TRT-3',
    });
  });

  it('at 19:00: the planner has a forecast window beside planned and actual', async () => {
    const view = await get('/planner?iteration=Run1');
    expect(view.forecast).toMatchObject({
      end: { label: 'Sat 5 Dec 20:30' },
      plannedEnd: { label: 'Sat 5 Dec 20:00' },
      lateByMinutes: 30,
    });
    const [extraction] = view.phases[0].chapters;
    const [reopen] = view.phases[1].chapters;
    expect(extraction.forecast).toMatchObject({
      start: { label: 'Sat 5 Dec 18:00' },
      end: { label: 'Sat 5 Dec 19:50' },
      lateByMinutes: null,
      critical: false,
    });
    expect(reopen.forecast).toMatchObject({
      start: { label: 'Sat 5 Dec 19:00' },
      end: { label: 'Sat 5 Dec 20:30' },
      lateByMinutes: 30,
      critical: true,
    });
    expect(view.phases[1].forecast).toMatchObject({ critical: true, lateByMinutes: 30 });
    expect(reopen.segments.forecast).toHaveLength(1);
    // The export without a forecast is unchanged: no forecast, no forecast segments.
    const exported = await fetch(`${base}/tab/api/planner/export.html?iteration=Run1`, {
      headers: { 'x-runsheet-local-user': PEOPLE.pilot.email },
    });
    expect(exported.status).toBe(200);
  });

  it('the card reads the forecast held in memory, brought up to the card for its own step', async () => {
    const open = await cardOf('TRT-5');
    const basis = 'indicative durations';
    expect(open.forecast).toEqual({ end: '2026-12-05 20:30 CET', critical: true, basis });
    expect(buildStepCardView(open, null).facts.at(-1)).toEqual({
      label: 'Forecast',
      value: 'ends 2026-12-05 20:30 CET · on the critical path · indicative durations',
    });
    const waiting = await cardOf('TRT-4');
    expect(waiting.forecast).toEqual({ end: '2026-12-05 19:50 CET', critical: false, basis });
    // Held now, before any forecast read: the card still says when it will end (30 min assumed hold).
    await act('2026-12-05T19:00', 'hold', 'TRT-5', 'waiting for the network team');
    expect((await cardOf('TRT-5')).forecast).toEqual({ end: '2026-12-05 21:00 CET', critical: true, basis });
    // A finished step has no forecast line.
    expect((await cardOf('TRT-1')).forecast).toBeNull();
  });

  it('at 20:10, with TRT-5 running and TRT-3 overrunning, the critical path moves to TRT-3 → TRT-4', async () => {
    await act('2026-12-05T19:00', 'resume', 'TRT-5');
    await act('2026-12-05T19:00', 'start', 'TRT-5');
    clock = zurich('2026-12-05T20:10');
    const board = await get('/board?iteration=Run1');
    expect(board.forecast.criticalPath.map((s: Json) => s.id)).toEqual(['TRT-3', 'TRT-4']);
    expect(board.forecast.end.local).toBe('2026-12-05 20:40 CET');
    expect(board.forecast.lateByMinutes).toBe(40);
    expect(board.forecast.chapters.map((c: Json) => [c.name, c.end.local, c.critical])).toEqual([
      ['Extraction', '2026-12-05 20:40 CET', true],
      ['Reopen', '2026-12-05 20:30 CET', false],
    ]);
    const page = await get('/board/steps?iteration=Run1&status=all');
    const critical = page.steps.filter((s: Json) => s.forecast?.critical).map((s: Json) => s.id);
    expect(critical.sort()).toEqual(['TRT-3', 'TRT-4']);
  });

  it('a closed or planned iteration has no forecast', async () => {
    const board = await get('/board?iteration=DR1');
    expect(board.forecast).toBeNull();
    const view = await get('/planner?iteration=DR1');
    expect(view.forecast).toBeNull();
  });
});
