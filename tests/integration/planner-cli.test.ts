/**
 * `runsheet planner export`, `planner set` and `board export` on the demo workbook, as an operator
 * types them. Runs on PostgreSQL (DATABASE_URL) or on an embedded database in a temporary folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { ROOT, useCliEnv } from '../support/cli-env.js';

const walk = useCliEnv('runsheet-planner-cli-');
const { cli } = walk;

describe('the planner commands', () => {
  it('exports the macro-plan, changes a chapter plan as a pilot only, and exports the board', async () => {
    expect((await cli('import', path.join(ROOT, 'samples/demo-runsheet.xlsx'))).code).toBe(0);
    const file = path.join(walk.tmp, 'run1.html');
    expect(await cli('planner', 'export', '--iteration', 'Run1', file)).toEqual({
      code: 0,
      out: `Exported the macro-plan of Run1 (8 chapters, 0 late, 4 days) to ${file}.`,
      err: '',
    });
    const html = fs.readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script/i);
    for (const chapter of ['Freeze source changes', 'Trading halt', 'Reopen channels'])
      expect(html).toContain(chapter);
    expect(html).toContain('Fri 18 Sept 18:00');

    expect(await cli('planner', 'export', file)).toMatchObject({
      code: 2,
      err: expect.stringContaining('--iteration NAME'),
    });
    expect(
      await cli(
        'planner',
        'set',
        'Trading halt',
        '--iteration',
        'Run1',
        '--start',
        '2026-09-22 19:00',
        '--end',
        '2026-09-23 03:00',
        '--as',
        'greta.manager@bank.example',
      ),
    ).toMatchObject({
      code: 1,
      err: 'runsheet: refused (ROLE): Only a pilot may change the plan of a chapter. Greta Manager is a viewer (in no team).',
    });
    expect(
      await cli(
        'planner',
        'set',
        'trading halt',
        '--iteration',
        'run1',
        '--start',
        '22.09.2026 19:00',
        '--end',
        '2026-09-23T03:00',
        '--as',
        'claire.pilot@bank.example',
      ),
    ).toMatchObject({
      code: 0,
      out: 'Trading halt in Run1 planned 2026-09-22 19:00 – 2026-09-23 03:00 Europe/Zurich by Claire Pilot (was 2026-09-22 18:49 – 2026-09-23 03:08).',
    });
    // `runsheet export` writes the edited schedule, so the workbook keeps the pilot's change.
    const json = path.join(walk.tmp, 'plan.json');
    expect((await cli('export', json)).code).toBe(0);
    const plan = JSON.parse(fs.readFileSync(json, 'utf8')) as {
      schedule: { iteration: string; chapter: string; start: string }[];
    };
    expect(plan.schedule.find((s) => s.iteration === 'Run1' && s.chapter === 'Trading halt')?.start).toBe(
      '2026-09-22T19:00',
    );

    const xlsx = path.join(walk.tmp, 'board.xlsx');
    expect(await cli('board', 'export', '--iteration', 'Run1', xlsx)).toMatchObject({
      code: 0,
      out: `Exported the board of Run1 (96 steps) to ${xlsx}.`,
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).toBe(97);
    expect((sheet.getRow(1).values as unknown[]).slice(1, 8)).toEqual([
      'Step',
      'Title',
      'Phase',
      'Chapter',
      'Team',
      'Environment',
      'Status',
    ]);
    expect(sheet.getRow(2).getCell(7).value).toBe('OPEN');
  });
});
