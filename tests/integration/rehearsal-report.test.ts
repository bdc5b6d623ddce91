/**
 * The rehearsal report on the small plan, with every figure worked out by hand below, then written
 * by `runsheet report --iteration Run1 FILE` as CSV and as standalone HTML.
 *
 * Run1 (Zurich, UTC+1): TRT-1 -> TRT-3 -> TRT-4 (TRT-2 out of scope), 30 min each; Extraction
 * planned 18:00 → 02:00 local (17:00Z → 01:00Z). Activated 18:00Z.
 * - TRT-1: started 18:05Z (5 min after ready), held 18:10Z → 18:25Z (15 min), done 18:50Z:
 *   45 min, +15 over plan.
 * - TRT-3: ready 18:50Z, started 19:02Z (12 min late), failed 19:10Z ("disk full"), retried
 *   19:12Z, done 19:40Z: 38 min from its start, +8.
 * - TRT-4: not started. C0001-a passed by Luca Engine, "rows match".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import type { Command } from '../../src/engine/command.js';
import { Engine } from '../../src/engine/engine.js';
import { loadRehearsalReport } from '../../src/engine/rehearsal-report.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { reportSummary } from '../../src/report/report-summary.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let tmp: string;
let env: NodeJS.ProcessEnv;
let testDatabase: TestDatabase | undefined;
let now = new Date('2026-12-05T18:00:00Z');
const at = (hhmm: string) => new Date(`2026-12-05T${hhmm}:00Z`);

async function withEngine(body: (engine: Engine, database: Database) => Promise<void>) {
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.RUNSHEET_DATA_DIR! });
  try {
    await database.migrate();
    await body(new Engine({ database, directory: smallDirectory(), clock: () => now }), database);
  } finally {
    await database.close();
  }
}

/** One command at a time of day (UTC): `[hh:mm, action, subject, person, reason?, force?]`. */
type Play = readonly [string, Command['action'], string, keyof typeof PEOPLE, string?, boolean?];

/** Runs the commands in order on the engine's clock, each expected to apply. */
async function play(engine: Engine, plays: readonly Play[]): Promise<void> {
  for (const [time, action, subject, person, reason, force] of plays) {
    now = at(time);
    const result = await engine.execute({
      action,
      subject,
      actor: { aadObjectId: PEOPLE[person].aadObjectId },
      reason,
      force,
      source: 'cli',
    });
    expect(result.outcome, `${action} ${subject}: ${result.message}`).toBe('applied');
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-report-'));
  const directoryFile = path.join(tmp, 'directory.json');
  fs.writeFileSync(
    directoryFile,
    JSON.stringify({ users: Object.values(PEOPLE).map((p) => ({ ...p, teams: [...p.teams] })) }),
  );
  env = { RUNSHEET_DATA_DIR: path.join(tmp, 'data'), RUNSHEET_DIRECTORY: directoryFile, LOG_LEVEL: 'silent' };
  if (process.env.DATABASE_URL) {
    testDatabase = await createTestDatabase();
    env.DATABASE_URL = testDatabase.url;
  }
  await withEngine(async (engine, database) => {
    await storePlan(database, smallPlan(), { actor: 'test', source: 'small-plan' });
    await play(engine, [
      ['18:00', 'activate', 'Run1', 'pilot'],
      ['18:05', 'start', 'TRT-1', 'engine'],
      ['18:10', 'hold', 'TRT-1', 'pilot', 'waiting for DBA'],
      ['18:25', 'resume', 'TRT-1', 'pilot'],
      ['18:50', 'done', 'TRT-1', 'pilot', undefined, true],
      ['19:02', 'start', 'TRT-3', 'engine'],
      ['19:10', 'fail', 'TRT-3', 'engine', 'disk full'],
      ['19:12', 'retry', 'TRT-3', 'engine'],
      ['19:40', 'done', 'TRT-3', 'engine'],
      ['19:45', 'pass', 'C0001-a', 'engine', 'rows match'],
    ]);
  });
});
afterAll(async () => {
  await testDatabase?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the rehearsal report', () => {
  it('has the figures worked out by hand', async () => {
    await withEngine(async (engine) => {
      const report = await loadRehearsalReport(engine, 'run1', at('20:00'));
      expect(
        report.steps.map((s) => [
          s.key,
          s.actualMinutes,
          s.overrunMinutes,
          s.startDelayMinutes,
          s.heldMinutes,
          s.failures,
        ]),
      ).toEqual([
        ['TRT-1', 45, 15, 5, 15, 0],
        ['TRT-3', 38, 8, 12, 0, 1],
        ['TRT-4', null, null, null, 0, 0],
      ]);
      expect(report.delays.map((d) => `${d.step} ${d.cause} ${d.minutes}: ${d.detail}`)).toEqual([
        'TRT-1 overrun 15: took 45 min, planned 30',
        'TRT-1 hold 15: 1 hold(s), 15 min',
        'TRT-3 late start 12: started 12 min after it was ready',
        'TRT-3 overrun 8: took 38 min, planned 30',
        'TRT-1 late start 5: started 5 min after it was ready',
        'TRT-3 failure 0: 1 failure(s): disk full',
      ]);
      expect(report.chapters).toEqual([
        {
          name: 'Extraction',
          plannedStart: Date.parse('2026-12-05T17:00:00Z'),
          plannedEnd: Date.parse('2026-12-06T01:00:00Z'),
          actualStart: Date.parse('2026-12-05T18:05:00Z'),
          actualEnd: null,
          endDelayMinutes: null,
          steps: 3,
          finished: 2,
          holds: 1,
          failures: 1,
        },
      ]);
      expect(report.controls).toEqual([
        { id: 'C0001-a', name: 'Row counts', result: 'PASSED', note: 'rows match', by: 'Luca Engine' },
      ]);
      expect(report.people).toEqual([
        {
          name: 'Luca Engine',
          actions: 6,
          byAction: { 'step.start': 2, 'step.fail': 1, 'step.retry': 1, 'step.done': 1, 'control.pass': 1 },
        },
        { name: 'Claire Pilot', actions: 3, byAction: { 'step.hold': 1, 'step.resume': 1, 'step.done': 1 } },
      ]);
    });
  });

  it('opens with a summary for the steering committee, from the same figures', async () => {
    await withEngine(async (engine) => {
      const report = await loadRehearsalReport(engine, 'Run1', at('20:00'));
      expect(reportSummary(report)).toEqual({
        headline:
          'Run1 is not finished: 2 of 3 steps done or cancelled as of 2026-12-05 21:00 CET; planned end 2026-12-06 02:00 CET.',
        facts: [
          { label: 'Iteration', text: 'Run1, technical run, active; activated 2026-12-05 19:00 CET' },
          { label: 'Planned', text: '2026-12-05 18:00 CET → 2026-12-06 02:00 CET' },
          { label: 'Actual', text: '2026-12-05 19:05 CET → not finished' },
          { label: 'End against plan', text: 'not known yet' },
          { label: 'Steps', text: '2 of 3 finished (2 done, 0 cancelled)' },
          {
            label: 'Biggest delays',
            text:
              'TRT-1 (Step TRT-1) ran 15 min over its planned 30 min; TRT-1 (Step TRT-1) was on hold for 15 min; ' +
              'TRT-3 (Step TRT-3) started 12 min after it was ready; TRT-3 (Step TRT-3) ran 8 min over its planned 30 min; ' +
              'TRT-1 (Step TRT-1) started 5 min after it was ready',
          },
          { label: 'Failures', text: 'TRT-3 (Step TRT-3) failed once: disk full; now done' },
          { label: 'Holds', text: '1 hold on 1 step, 15 min in all' },
          { label: 'Chapters late', text: 'none' },
          { label: 'Controls', text: '1 passed, 0 failed, 0 not recorded (of 1)' },
        ],
      });
      // Finished late, and ahead: the headline says by how much, in hours and minutes.
      const ended = (end: string, delay: number) => ({
        ...report,
        total: { ...report.total, actualEnd: Date.parse(end), endDelayMinutes: delay },
      });
      expect(reportSummary(ended('2026-12-06T03:05:00Z', 125)).headline).toBe(
        'Run1 ended 2 h 05 min after its planned end: 2026-12-06 04:05 CET instead of 2026-12-06 02:00 CET.',
      );
      expect(reportSummary(ended('2026-12-06T00:20:00Z', -40)).facts[3]).toEqual({
        label: 'End against plan',
        text: 'ahead by 40 min',
      });
    });
  });

  it('is written by `runsheet report` as CSV', async () => {
    const file = path.join(tmp, 'run1.csv');
    let out = '';
    const code = await runCli(
      ['report', '--iteration', 'Run1', file],
      { out: (t) => void (out += t), err: (t) => void (out += t) },
      env,
    );
    expect(code, out).toBe(0);
    expect(out).toBe(`Wrote the report of Run1 to ${file}: 3 steps, 6 delay cause(s).`);
    expect(fs.readFileSync(file, 'utf8').split('\r\n')).toEqual([
      'iteration,phase,chapter,step,title,team,status,planned_minutes,started_at,ended_at,actual_minutes,overrun_minutes,start_delay_minutes,holds,held_minutes,failures,failure_reasons,started_by,ended_by',
      'Run1,CSD migration,Extraction,TRT-1,Step TRT-1,Engine,DONE,30,2026-12-05 19:05 CET,2026-12-05 19:50 CET,45,15,5,1,15,0,,Luca Engine,Claire Pilot',
      'Run1,CSD migration,Extraction,TRT-3,Step TRT-3,Engine,DONE,30,2026-12-05 20:02 CET,2026-12-05 20:40 CET,38,8,12,0,0,1,disk full,Luca Engine,Luca Engine',
      'Run1,CSD migration,Extraction,TRT-4,Step TRT-4,DBA,OPEN,30,,,,,,0,0,0,,,',
      '',
    ]);
  });

  it('is written as one standalone HTML page, and refuses other file names', async () => {
    const file = path.join(tmp, 'run1.html');
    expect(await runCli(['report', '--iteration', 'Run1', file], { out: () => {}, err: () => {} }, env)).toBe(
      0,
    );
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain('<h1>Rehearsal report · Run1</h1>');
    expect(html).toContain(
      '<h2>Summary</h2>\n<p class="headline">Run1 is not finished: 2 of 3 steps done or cancelled as of',
    );
    expect(html).toContain(
      '<tr><th scope="row">Failures</th><td>TRT-3 (Step TRT-3) failed once: disk full; now done</td></tr>',
    );
    expect(html).toContain('<td>TRT-3</td><td>late start</td><td class="n">12</td>');
    // Overruns against the plan in the steps table, signed.
    expect(html).toContain('<td class="n"><span class="late">+15 min</span></td>');
    let err = '';
    expect(
      await runCli(
        ['report', '--iteration', 'Run1', path.join(tmp, 'run1.pdf')],
        { out: () => {}, err: (t) => void (err += t) },
        env,
      ),
    ).toBe(2);
    expect(err).toContain('the file name must end in .html or .csv');
  });

  it('compares the iterations side by side, with the trend and the learned duration', async () => {
    // DR1 after Run1: TRT-1 40 min, TRT-2 (in DR1 only) 20, TRT-3 20, TRT-4 cancelled at 21:25.
    await withEngine(async (engine) => {
      const plays = [
        ['19:50', 'close', 'Run1', 'pilot'],
        ['19:55', 'activate', 'DR1', 'pilot'],
        ['20:00', 'start', 'TRT-1', 'engine'],
        ['20:40', 'done', 'TRT-1', 'pilot', undefined, true],
        ['20:40', 'start', 'TRT-2', 'dba'],
        ['21:00', 'done', 'TRT-2', 'dba'],
        ['21:00', 'start', 'TRT-3', 'engine'],
        ['21:20', 'done', 'TRT-3', 'engine'],
        ['21:25', 'cancel', 'TRT-4', 'pilot', 'not needed'],
      ] as const satisfies readonly Play[];
      await play(engine, plays);
    });
    const file = path.join(tmp, 'compare.csv');
    let out = '';
    const code = await runCli(
      ['report', '--compare', file],
      { out: (t) => void (out += t), err: (t) => void (out += t) },
      env,
    );
    expect(code, out).toBe(0);
    expect(out).toBe(`Wrote the comparison of Run1, DR1 to ${file}: 4 steps.`);
    expect(fs.readFileSync(file, 'utf8').split('\r\n')).toEqual([
      'kind,name,title,chapter,planned_minutes,Run1,DR1,trend,learned_minutes',
      'step,TRT-1,Step TRT-1,Extraction,30,45,40,faster,43',
      'step,TRT-2,Step TRT-2,Extraction,30,,20,,20',
      'step,TRT-3,Step TRT-3,Extraction,30,38,20,faster,29',
      'step,TRT-4,Step TRT-4,Extraction,30,,,,',
      // Run1's TRT-4 never finished; DR1 ran 20:00 → 21:25.
      'chapter,Extraction,Extraction,Extraction,,,85,,85',
      '',
    ]);
    const html = path.join(tmp, 'compare.html');
    expect(await runCli(['report', '--compare', html], { out: () => {}, err: () => {} }, env)).toBe(0);
    expect(fs.readFileSync(html, 'utf8')).toContain('<h1>Rehearsals compared</h1>');
  });
});
