/**
 * The per-iteration duration basis: a pilot switches DR1's forecast to learned durations (the
 * median of each step's actuals in the earlier iterations), through the engine over the tab's
 * HTTP API, from chat's `durations` and from the CLI; every figure worked out by hand.
 *
 * The small plan with three iterations in plan order Run1, Run2, DR1 (Europe/Zurich, CET = UTC+1),
 * every step 30 min indicative; TRT-1 → TRT-2 → TRT-3 → TRT-4, TRT-2 in DR1's scope only.
 *
 *   Run1: TRT-1 18:00 → 18:50 (50 min), TRT-3 18:50 → 19:10 (20), TRT-4 19:10 → 19:50 (40). Closed.
 *   Run2: TRT-1 18:00 → 19:10 (70 min), TRT-3 cancelled (no actual), TRT-4 19:10 → 20:10 (60). Closed.
 *
 * Learned for DR1: TRT-1 median(50, 70) = 60, TRT-2 none (indicative 30), TRT-3 20, TRT-4
 * median(40, 60) = 50; from Run1–Run2.
 *
 * DR1 activated 2026-12-12 08:00, read at 08:00:
 *   indicative: TRT-1 08:00 → 08:30, TRT-2 → 09:00, TRT-3 → 09:30, TRT-4 → 10:00; ends 10:00.
 *   learned:    TRT-1 08:00 → 09:00, TRT-2 → 09:30, TRT-3 → 09:50, TRT-4 → 10:40; ends 10:40.
 * TRT-1 started at 08:10 (learned): TRT-1 → 09:10, TRT-2 09:10 → 09:40, TRT-3 → 10:00, TRT-4 → 10:50.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { sql } from '../../src/db/orm.js';
import type { PlanModel } from '../../src/domain/plan-model.js';
import type { Command } from '../../src/engine/command.js';
import { resolveActor } from '../../src/engine/actor.js';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { comparisonFile, iterationReportFile } from '../../src/report/report-files.js';
import { buildStepCardView } from '../../src/teams/cards/render-step-card.js';
import { loadStepCardData } from '../../src/teams/cards/step-card-data.js';
import { answerChatCommand } from '../../src/teams/chat-commands.js';
import { startLocalTabServer, type LocalTabServer } from '../support/local-tab-server.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const zurich = (local: string) => new Date(`${local}:00+01:00`);

function threeIterations(): PlanModel {
  const plan = smallPlan();
  const everywhere = ['Run1', 'Run2', 'DR1'];
  return {
    ...plan,
    iterations: [
      plan.iterations[0]!,
      { name: 'Run2', kind: 'RUN', timeZone: 'Europe/Zurich', comms: 'test' },
      plan.iterations[1]!,
    ],
    steps: plan.steps.map((step) => (step.id === 'TRT-2' ? step : { ...step, scope: everywhere })),
    schedule: [],
  };
}

let database: TestDatabase;
let engine: Engine;
let tabServer: LocalTabServer | undefined;
let base: string;
let clock = zurich('2026-12-05T17:30');

async function act(
  local: string,
  action: Command['action'],
  subject: string,
  iteration: string,
  reason?: string,
) {
  clock = zurich(local);
  const result = await engine.execute({
    action,
    subject,
    iteration,
    actor: { aadObjectId: PEOPLE.pilot.aadObjectId },
    force: true,
    reason: reason ?? null,
    source: 'cli',
  });
  expect(result.outcome, result.message).toBe('applied');
}

async function call(method: string, path: string, as: string, body?: unknown) {
  const response = await fetch(`${base}/tab/api${path}`, {
    method,
    headers: {
      'x-runsheet-local-user': as,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function board(): Promise<Json> {
  const { status, body } = await call('GET', '/board?iteration=DR1', PEOPLE.pilot.email);
  expect(status, JSON.stringify(body)).toBe(200);
  return body.forecast;
}

async function stepEnds(): Promise<Record<string, string>> {
  const { body } = await call('GET', '/board/steps?iteration=DR1&status=all', PEOPLE.pilot.email);
  return Object.fromEntries(body.steps.map((s: Json) => [s.id, s.forecast.end.local.slice(11, 16)]));
}

async function chat(text: string, person: typeof PEOPLE.pilot | typeof PEOPLE.engine = PEOPLE.pilot) {
  return answerChatCommand({
    engine,
    activationReply: () => Promise.reject(new Error('not used')),
    actor: resolveActor(smallDirectory(), { email: person.email }),
    text,
    mentions: [],
    conversation: { conversationId: 'c1', serviceUrl: 'https://smba.example/', tenantId: 't' } as never,
    fromName: person.name,
    link: () => Promise.reject(new Error('not used')),
    now: clock,
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  engine = new Engine({ database, directory: smallDirectory(), clock: () => clock });
  await storePlan(database, threeIterations(), { actor: 'test', source: 'learned-plan' });
  await act('2026-12-05T17:30', 'activate', 'Run1', 'Run1');
  await act('2026-12-05T18:00', 'start', 'TRT-1', 'Run1');
  await act('2026-12-05T18:50', 'done', 'TRT-1', 'Run1');
  await act('2026-12-05T18:50', 'start', 'TRT-3', 'Run1');
  await act('2026-12-05T19:10', 'done', 'TRT-3', 'Run1');
  await act('2026-12-05T19:10', 'start', 'TRT-4', 'Run1');
  await act('2026-12-05T19:50', 'done', 'TRT-4', 'Run1');
  await act('2026-12-05T20:00', 'close', 'Run1', 'Run1');
  await act('2026-12-06T17:30', 'activate', 'Run2', 'Run2');
  await act('2026-12-06T18:00', 'start', 'TRT-1', 'Run2');
  await act('2026-12-06T19:10', 'done', 'TRT-1', 'Run2');
  await act('2026-12-06T19:10', 'cancel', 'TRT-3', 'Run2', 'not needed this time');
  await act('2026-12-06T19:10', 'start', 'TRT-4', 'Run2');
  await act('2026-12-06T20:10', 'done', 'TRT-4', 'Run2');
  await act('2026-12-06T20:30', 'close', 'Run2', 'Run2');
  clock = zurich('2026-12-12T08:00');
  tabServer = await startLocalTabServer(engine, () => clock);
  base = tabServer.base;
}, 60_000);

afterAll(async () => {
  await tabServer?.stop();
  await database?.destroy();
});

describe('the duration basis of an iteration', () => {
  it('is refused to a non-pilot and on a closed iteration, with a clear message', async () => {
    const viewer = await call('PUT', '/iterations/DR1/durations', PEOPLE.engine.email, { basis: 'learned' });
    expect(viewer.status).toBe(403);
    expect(viewer.body.error).toBe(
      "Only a pilot can choose an iteration's forecast durations; Luca Engine is not a pilot.",
    );
    const closed = await call('PUT', '/iterations/Run1/durations', PEOPLE.pilot.email, { basis: 'learned' });
    expect(closed.status).toBe(409);
    expect(closed.body.error).toBe('Run1 is closed: its forecast durations can no longer change.');
    const bad = await call('PUT', '/iterations/DR1/durations', PEOPLE.pilot.email, { basis: 'median' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('basis must be "indicative" or "learned", not "median"');
    const [row] = await queryRows<{ basis: string }>(
      database.db,
      sql`select duration_basis as basis from iterations where name = 'DR1'`,
    );
    expect(row!.basis).toBe('indicative');
  });

  it('is indicative by default: DR1 ends 10:00', async () => {
    await act('2026-12-12T08:00', 'activate', 'DR1', 'DR1');
    const forecast = await board();
    expect(forecast.durations).toEqual({ basis: 'indicative', label: 'indicative durations' });
    expect(forecast.end.local).toBe('2026-12-12 10:00 CET');
    expect(await stepEnds()).toEqual({
      'TRT-1': '08:30',
      'TRT-2': '09:00',
      'TRT-3': '09:30',
      'TRT-4': '10:00',
    });
  });

  it('switched to learned by a pilot in the tab: the forecast rebuilds with the medians of Run1 and Run2', async () => {
    const { status, body } = await call('PUT', '/iterations/DR1/durations', PEOPLE.pilot.email, {
      basis: 'learned',
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ outcome: 'applied', from: 'indicative', to: 'learned' });
    expect(body.durations).toEqual({
      basis: 'learned',
      from: ['Run1', 'Run2'],
      label: 'learned durations from Run1–Run2',
    });
    const forecast = await board();
    expect(forecast.durations.label).toBe('learned durations from Run1–Run2');
    expect(forecast.end.local).toBe('2026-12-12 10:40 CET');
    expect(await stepEnds()).toEqual({
      'TRT-1': '09:00',
      'TRT-2': '09:30',
      'TRT-3': '09:50',
      'TRT-4': '10:40',
    });
    const planner = await call('GET', '/planner?iteration=DR1', PEOPLE.pilot.email);
    expect(planner.body.durations.label).toBe('learned durations from Run1–Run2');

    const [event] = await queryRows<{ actor: string; details: Json }>(
      database.db,
      sql`select actor, details from audit_events where type = 'iteration.set-duration-basis' order by seq desc limit 1`,
    );
    expect(event!.actor).toBe(PEOPLE.pilot.email);
    const details = typeof event!.details === 'string' ? JSON.parse(event!.details) : event!.details;
    expect(details).toMatchObject({
      from: 'indicative',
      to: 'learned',
      source: 'tab',
      durationBasis: 'learned',
    });
  });

  it('keeps the learned durations in the incremental updates and on the card', async () => {
    await act('2026-12-12T08:10', 'start', 'TRT-1', 'DR1');
    expect((await board()).end.local).toBe('2026-12-12 10:50 CET');
    expect(await stepEnds()).toEqual({
      'TRT-1': '09:10',
      'TRT-2': '09:40',
      'TRT-3': '10:00',
      'TRT-4': '10:50',
    });
    const snapshot = await engine.snapshot();
    const [dr1] = await queryRows<{ id: number }>(
      database.db,
      sql`select id from iterations where name = 'DR1'`,
    );
    const card = await loadStepCardData(
      engine,
      dr1!.id,
      snapshot.steps[snapshot.indexOfKey('TRT-2')!]!.dbId,
      clock,
    );
    expect(buildStepCardView(card, null).facts.at(-1)).toEqual({
      label: 'Forecast',
      value: 'ends 2026-12-12 09:40 CET · on the critical path · learned durations from Run1–Run2',
    });
  });

  it('is shown and switched back by chat `durations`, and the what-if says which durations it used', async () => {
    expect(await chat('durations', PEOPLE.engine)).toBe(
      "DR1's forecast uses learned durations from Run1–Run2.",
    );
    expect(await chat('durations indicative', PEOPLE.engine)).toBe(
      "⛔ Only a pilot can choose an iteration's forecast durations; Luca Engine is not a pilot.",
    );
    expect(await chat('durations maybe')).toBe(
      'durations takes learned or indicative, not "maybe": durations learned',
    );
    expect(await chat('durations indicative')).toBe("✅ DR1's forecast uses indicative durations.");
    // TRT-1 started 08:10: 08:40, then 09:10, 09:40, 10:10 at 30 min each.
    expect((await board()).end.local).toBe('2026-12-12 10:10 CET');
    const whatIf = JSON.stringify(await chat('hold TRT-2?'));
    expect(whatIf).toContain('Forecast with indicative durations.');
  });
});

describe('the rehearsal reports from the tab', () => {
  async function download(path: string, as: string) {
    const response = await fetch(`${base}/tab/api${path}`, { headers: { 'x-runsheet-local-user': as } });
    return {
      status: response.status,
      disposition: response.headers.get('content-disposition'),
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  }

  it("gives a viewer the chosen iteration's report, the same file the CLI writes", async () => {
    const csv = await download('/report.csv?iteration=run2', PEOPLE.viewer.email);
    expect(csv.status).toBe(200);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    expect(csv.disposition).toBe('attachment; filename="report-Run2.csv"');
    expect(csv.text).toBe((await iterationReportFile(engine, 'Run2', 'csv', clock)).text);
    const html = await download('/report.html?iteration=Run1', PEOPLE.viewer.email);
    expect(html.disposition).toBe('attachment; filename="report-Run1.html"');
    expect(html.text).toContain('<title>Rehearsal report · Run1</title>');
    const active = await download('/report.html', PEOPLE.viewer.email);
    expect(active.disposition).toBe('attachment; filename="report-DR1.html"');
  });

  it('gives the comparison across iterations, with the learned durations', async () => {
    const csv = await download('/comparison.csv', PEOPLE.viewer.email);
    expect(csv.status).toBe(200);
    expect(csv.disposition).toBe('attachment; filename="comparison.csv"');
    expect(csv.text).toBe((await comparisonFile(engine, 'csv')).text);
    const html = await download('/comparison.html', PEOPLE.viewer.email);
    expect(html.text).toContain('<h1>Rehearsals compared</h1>');
  });

  it('names an unknown iteration, and needs a signed-in user', async () => {
    const unknown = await download('/report.csv?iteration=Run9', PEOPLE.viewer.email);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text).error).toBe('There is no iteration "Run9".');
    const anonymous = await fetch(`${base}/tab/api/report.csv?iteration=Run1`);
    expect(anonymous.status).toBe(401);
  });
});
