/**
 * The simulated rehearsal (bench/simulate-rehearsal.ts) at full speed on the small plan's DR1
 * (TRT-1 → TRT-2 → TRT-3 → TRT-4): every step is played through the engine, the second step started
 * fails once and is retried, so a `step-failed` alert is raised and then resolved; the rehearsal
 * report is written from what was played.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { sql } from '../../src/db/orm.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { loadRehearsalReport } from '../../src/engine/rehearsal-report.js';
import { renderReportHtml } from '../../src/report/report-html.js';
import { simulateRehearsal } from '../../bench/simulate-rehearsal.js';
import { smallDirectory, smallPlan } from '../support/small-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await storePlan(database, smallPlan(), { actor: 'test', source: 'small-plan' });
});
afterAll(async () => database?.destroy());

it('plays DR1 to its end with a failure and a retry, raises and resolves alerts, and yields the report', async () => {
  const lines: string[] = [];
  const result = await simulateRehearsal({
    database,
    directory: smallDirectory(),
    iteration: 'DR1',
    speed: Infinity,
    seed: 7,
    failAtStart: 2,
    settings: { overrunGraceMinutes: 0, readyGraceMinutes: 15, chapterGraceMinutes: 0 },
    log: (line) => lines.push(line),
  });
  expect(result.steps).toBe(4);
  expect(result.failed).toBe('TRT-2');
  expect(lines.some((line) => line.includes('FAIL TRT-2'))).toBe(true);
  expect(lines.some((line) => line.includes('retry TRT-2'))).toBe(true);
  const failedAlert = result.alertsRaised.find((key) => key.startsWith('step-failed:TRT-2:'));
  expect(failedAlert).toBeDefined();
  expect(result.alertsResolved).toContain(failedAlert);
  // Every alert raised was resolved by the end: nothing is left open.
  expect([...result.alertsResolved].sort()).toEqual([...new Set(result.alertsRaised)].sort());
  const states = await queryRows<{ key: string; status: string }>(
    database.db,
    sql`select s.key, ss.status from step_states ss join steps s on s.id = ss.step_id
        join iterations i on i.id = ss.iteration_id where i.name = 'DR1' order by s.key`,
  );
  expect(states.map((s) => `${s.key} ${s.status}`)).toEqual([
    'TRT-1 DONE',
    'TRT-2 DONE',
    'TRT-3 DONE',
    'TRT-4 DONE',
  ]);
  const events = await queryRows<{ type: string; n: number }>(
    database.db,
    sql`select type, count(*)::int as n from audit_events where iteration = 'DR1' and type like 'alert.%' group by type`,
  );
  expect(Object.fromEntries(events.map((e) => [e.type, e.n]))).toMatchObject({
    'alert.raise': result.alertsRaised.length,
    'alert.resolve': result.alertsResolved.length,
  });

  const report = await loadRehearsalReport(result.engine, 'DR1', result.endedAt);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-sim-')), 'dr1.html');
  fs.writeFileSync(file, renderReportHtml(report));
  const html = fs.readFileSync(file, 'utf8');
  expect(html).toContain('TRT-2');
  expect(html).toContain('Simulated failure');
  expect(report.steps.filter((s) => s.actualMinutes !== null)).toHaveLength(4);
});
