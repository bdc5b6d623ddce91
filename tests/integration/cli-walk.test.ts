/**
 * The CLI walk of the core issue, as a pilot and a team member would type it: import the sample,
 * activate Run1, start and finish a ready step, see its successor become ready, hold and resume,
 * a refused and a stale action; `audit verify` passes, then fails once a row is tampered with.
 * Runs on PostgreSQL (DATABASE_URL) or on an embedded database in a temporary folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from '../../src/db/orm.js';
import { describe, expect, it } from 'vitest';
import { buildWorkbook, validWorkbookRows } from '../fixtures/import/plan-builders.js';
import { ROOT, useCliEnv } from '../support/cli-env.js';

const PILOT = 'claire.pilot@bank.example';
const PAYMENTS = 'tom.payments@bank.example';
const TESTING = 'leo.testing@bank.example';
const ENGINE = 'luca.engine@bank.example';

const walk = useCliEnv('runsheet-cli-');
const { cli, withDatabase } = walk;

describe('the CLI walk', () => {
  it('refuses a bad workbook with every problem named, and leaves the database unchanged', async () => {
    // A valid plan first, so "unchanged" is checked against something.
    const good = path.join(walk.tmp, 'good.xlsx');
    fs.writeFileSync(good, await buildWorkbook(validWorkbookRows()));
    expect((await cli('import', good)).code).toBe(0);
    const before = {
      plan: (await cli('status', 'TRT-2', '--iteration', 'Run1', '--json')).out,
      audit: (await cli('audit', 'verify')).out,
    };

    const rows = validWorkbookRows();
    const steps = rows.Steps!;
    steps[1]![6] = 'CHK-3'; // TRT-1 waits for CHK-3, which waits for TRT-2, which waits for TRT-1: a cycle
    steps[2]![3] = 'Nope'; // unknown team
    steps.push([
      'trt-0001',
      'Duplicate after canonical form',
      'Freeze',
      'Engine',
      '',
      5,
      '',
      '',
      '',
      'x',
      '',
    ]);
    steps.push(['TRT-', 'Malformed', 'Freeze', 'Engine', '', 5, '', '', '', 'x', '']);
    steps.push(['TRT-5', 'Waits for nothing real', 'Freeze', 'Engine', '', 5, 'TRT-424242', '', '', 'x', '']);
    rows.Schedule![1]![3] = '2026-09-04 17:00'; // ends before it starts
    const bad = path.join(walk.tmp, 'bad.xlsx');
    fs.writeFileSync(bad, await buildWorkbook(rows));

    const result = await cli('import', bad);
    expect(result.code).toBe(1);
    const errors = result.err.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors).toEqual([
      'error: Steps!3:Team "Nope" — unknown team Nope',
      'error: Steps!5:Step "trt-0001" — duplicate step TRT-1 (first at Steps!2:Step)',
      'error: Steps!6:Step "TRT-" — not a step id (expected TYPE-number[letter], e.g. TRT-12345a)',
      'error: Steps!7:Predecessors "TRT-424242" — unknown predecessor step TRT-424242',
      expect.stringMatching(
        /^error: Steps!\d:Predecessors "[A-Z]{3}-\d" — predecessor cycle (TRT-1|TRT-2|CHK-3) -> .* -> \1$/,
      ),
      'error: Schedule!2:End "2026-09-04 17:00" — end is not after start 2026-09-04T18:00',
    ]);
    expect(result.err).toMatch(/bad\.xlsx was not imported: 6 error\(s\); the database is unchanged\.$/);
    expect({
      plan: (await cli('status', 'TRT-2', '--iteration', 'Run1', '--json')).out,
      audit: (await cli('audit', 'verify')).out,
    }).toEqual(before);
  });

  it('walks Run1 as a pilot and a team member', async () => {
    // The sample replaces the small plan of the previous test: a re-import archives what it lacks.
    const imported = await cli('import', path.join(ROOT, 'samples/demo-runsheet.xlsx'));
    expect(imported).toMatchObject({ code: 0 });
    expect(imported.out).toContain('121 steps, 303 tasks, 46 controls');

    expect(await cli('act', 'start', 'TRT-10006', '--as', PAYMENTS)).toMatchObject({
      code: 1,
      err: expect.stringContaining('NO_ACTIVE_ITERATION'),
    });
    expect(await cli('iteration', 'activate', 'Run1', '--as', PAYMENTS)).toMatchObject({
      code: 1,
      err: expect.stringContaining('Only a pilot'),
    });
    expect(await cli('iteration', 'activate', 'Run1', '--as', PILOT)).toMatchObject({
      code: 0,
      out: 'Run1 activated by Claire Pilot: 96 steps in scope, 2 ready.',
    });

    const ready = JSON.parse((await cli('ready', '--json')).out) as {
      iteration: string;
      steps: { id: string; team: string }[];
    };
    expect(ready).toMatchObject({
      iteration: 'Run1',
      steps: [
        { id: 'TRT-10006', team: 'Payments' },
        { id: 'TRT-10011', team: 'Testing' },
      ],
    });

    // A member of another team is refused, with the reason.
    expect(await cli('act', 'start', 'TRT-10006', '--as', ENGINE)).toMatchObject({
      code: 1,
      err: "runsheet: refused (ROLE): Only the step's team or a pilot may start step TRT-10006. Luca Engine is in Engine.",
    });
    expect(await cli('act', 'start', 'trt10006', '--as', PAYMENTS, '--seen', 'open')).toMatchObject({
      code: 0,
      out: 'TRT-10006 started by Tom Payments: OPEN → IN_PROGRESS.',
    });
    // Stale: someone acting on the status they saw before.
    const stale = await cli('act', 'hold', 'TRT-10006', '--as', PILOT, '--seen', 'OPEN');
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(
      /^runsheet: stale: TRT-10006 is IN_PROGRESS, not OPEN: started by Tom Payments at \d{4}-\d\d-\d\d \d\d:\d\d CES?T\. Nothing changed\.$/,
    );

    // TRT-10011 (Testing) is followed by TRT-10016. Done is refused while its task is open.
    expect((await cli('act', 'start', 'TRT-10011', '--as', TESTING)).code).toBe(0);
    expect(await cli('act', 'done', 'TRT-10011', '--as', TESTING)).toMatchObject({
      code: 1,
      err: 'runsheet: refused (TASKS_OPEN): Step TRT-10011 has tasks not DONE or CANCELLED: TRT-10011-1. Only a pilot may force it.',
    });
    expect(await cli('act', 'start', 'TRT-10011-1', '--as', TESTING)).toMatchObject({ code: 0 });
    expect(await cli('act', 'done', 'TRT-10011-1', '--as', TESTING)).toMatchObject({ code: 0 });
    const done = await cli('act', 'done', 'TRT-10011', '--as', TESTING, '--json');
    expect(done.code).toBe(0);
    expect(JSON.parse(done.out)).toMatchObject({
      outcome: 'applied',
      subject: 'TRT-10011',
      from: 'IN_PROGRESS',
      to: 'DONE',
      becameReady: ['TRT-10016'],
    });
    const successor = 'TRT-10016';
    const status = JSON.parse((await cli('status', successor, '--json')).out) as {
      status: string;
      ready: boolean;
      predecessors: { id: string; status: string }[];
    };
    expect(status).toMatchObject({
      status: 'OPEN',
      ready: true,
      predecessors: [{ id: 'TRT-10011', status: 'DONE' }],
    });
    expect((await cli('ready')).out).toContain('TRT-10016');

    // Hold and resume, pilots only.
    expect(await cli('act', 'hold', successor, '--as', PAYMENTS)).toMatchObject({
      code: 1,
      err: expect.stringContaining('ROLE'),
    });
    expect(
      (await cli('act', 'hold', successor, '--as', PILOT, '--reason', 'waiting for DBA sign-off')).code,
    ).toBe(0);
    expect(JSON.parse((await cli('status', successor, '--json')).out)).toMatchObject({
      status: 'ON_HOLD',
      heldFrom: 'OPEN',
      ready: false,
      reason: 'waiting for DBA sign-off',
    });
    expect((await cli('act', 'resume', successor, '--as', PILOT)).code).toBe(0);
    expect(JSON.parse((await cli('status', successor, '--json')).out)).toMatchObject({
      status: 'OPEN',
      ready: true,
    });

    // The audit log verifies, then fails once a row is tampered with by SQL.
    expect(await cli('audit', 'verify')).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^Audit log intact: \d+ events, hash chain verified\.$/),
    });
    await withDatabase(async ({ db }) => {
      await db.transaction(async (tx) => {
        await tx.execute(sql`alter table audit_events disable trigger user`);
        await tx.execute(
          sql`update audit_events set actor = 'mallory@bank.example' where type = 'step.start' and subject = 'TRT-10006'`,
        );
        await tx.execute(sql`alter table audit_events enable trigger user`);
      });
    });
    const verify = await cli('audit', 'verify');
    expect(verify.code).toBe(1);
    expect(verify.err).toMatch(
      /audit: event \d+ \(step\.start TRT-10006 at .*\) was altered: its content no longer matches its hash/,
    );

    const csv = path.join(walk.tmp, 'audit.csv');
    expect((await cli('audit', 'export', csv, '--iteration', 'Run1')).code).toBe(0);
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('seq,at,actor,actor_name,iteration,subject,type,details,prev_hash,hash');
    expect(lines.slice(1).every((line) => line.includes(',Run1,'))).toBe(true);
  });

  it('answers usage errors with exit status 2', async () => {
    expect((await cli('act', 'start')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('export', 'plan.txt')).code).toBe(2);
  });
});
