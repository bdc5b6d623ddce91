/**
 * The Planner and Controls views of the tab in Chromium, on the demo plan's Run1 played out to
 * Saturday 10:30 (tests/support/planner-scenario.ts), with the real tab service in local mode:
 * the planner shows every chapter with its bars and times in Europe/Zurich; a pilot changes a
 * chapter's plan in place (a bad end is refused in the engine's words, a good one is applied and
 * audited); a viewer sees no edit control and the API refuses them; the standalone HTML export
 * opens in Chromium with every chapter, no script; a viewer downloads the rehearsal report and the
 * comparison; a pilot switches the forecast to learned durations; the controls grid filters.
 *
 * With RUNSHEET_SCREENSHOTS=<folder> it also writes the screenshots of docs/tab.md there.
 * Needs /usr/bin/chromium; without it the test is skipped, saying so.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type restify from 'restify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditEvents } from '../../src/audit/audit-log.js';
import type { Engine } from '../../src/engine/engine.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { LOCAL_USER_HEADER } from '../../src/tab/tab-auth.js';
import { startTabService, type TabService } from '../../src/tab/tab-service.js';
import { PILOT_EMAIL, PLANNER_NOW, playDemoRun1, VIEWER_EMAIL } from '../support/planner-scenario.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIPPED the planner browser test: ${CHROMIUM} is missing.`);
const SCREENSHOTS = process.env.RUNSHEET_SCREENSHOTS;
const CHAPTERS = [
  'Freeze source changes',
  'Source shutdown',
  'Client extraction',
  'Delta capture',
  'Trading halt',
  'Positions extraction',
  'Contracts load',
  'Reopen channels',
];

describe.skipIf(!hasChromium)('the planner tab in Chromium', () => {
  let database: TestDatabase;
  let engine: Engine;
  let server: restify.Server;
  let tab: TabService;
  let browser: Browser;
  let base: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const played = await playDemoRun1(database);
    engine = played.engine;
    const logger = createLogger('silent');
    server = createHttpServer({ database, logger, about: { service: 'runsheet' } });
    tab = await startTabService({
      config: {
        localMode: true,
        tabSso: { clientId: undefined, tenantId: undefined, audiences: [], jwksUrl: undefined },
      },
      server,
      engine,
      directory: engine.directory,
      logger,
      clock: () => PLANNER_NOW,
    });
    await listen(server, 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    await tab?.stop();
    await database?.destroy();
    expect(pageErrors).toEqual([]);
  });

  /** A page of the tab as `email`, picked in local mode's user picker (stored as the picker does). */
  async function openAs(
    email: string,
    query: string,
    options: { theme?: string; width?: number; height?: number } = {},
  ) {
    const context: BrowserContext = await browser.newContext({
      viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
      colorScheme: options.theme === 'dark' ? 'dark' : 'light',
      locale: 'en-GB',
      // Only so the test can inject axe-core; the pages themselves run under the tab's policy.
      bypassCSP: true,
    });
    await context.addInitScript((user) => localStorage.setItem('runsheet.tab.localUser', user), email);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${base}/tab?${query}${options.theme ? `&theme=${options.theme}` : ''}`);
    return page;
  }

  const shot = async (page: Page, name: string) => {
    if (!SCREENSHOTS) return;
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, name) });
  };

  it('shows every chapter of Run1 on the hour grid, times in Europe/Zurich', async () => {
    const page = await openAs(PILOT_EMAIL, 'view=planner&iteration=Run1');
    const grid = page.locator('table.pl-grid');
    await grid.waitFor();
    for (const chapter of CHAPTERS)
      await expect(grid.locator(`tr[data-chapter="${chapter}"]`).count()).resolves.toBe(1);
    const text = await page.locator('.planner').innerText();
    expect(text).toContain('Times in Europe/Zurich');
    expect(text).toContain('Fri 18 Sept 2026');
    // Played: Freeze source changes from 18:05 (Zurich) to 01:20, nine minutes past its planned 01:11.
    const freeze = grid.locator('tr[data-chapter="Freeze source changes"]');
    expect(await freeze.innerText()).toContain('Actual Fri 18 Sept 18:05 → Sat 19 Sept 01:20');
    expect(await freeze.innerText()).toContain('Late by 9 min');
    expect(await grid.locator('tr[data-chapter="Client extraction"]').innerText()).toContain('running');
    expect(await page.locator('.pl-now').count()).toBeGreaterThan(0);
    // The forecast beside planned and actual: the end in the header, dashed bars, critical chapters.
    expect(await page.locator('#planner-forecast-end').innerText()).toMatch(
      /^Forecast end \w{3} \d+ \w+ \d\d:\d\d/,
    );
    expect(await page.locator('.pl-bar.forecast').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-critical-chapter]').count()).toBeGreaterThan(0);
    await shot(page, 'planner-light.png');
    await page.context().close();

    const dark = await openAs(PILOT_EMAIL, 'view=planner&iteration=Run1', { theme: 'dark' });
    await dark.locator('table.pl-grid').waitFor();
    await shot(dark, 'planner-dark.png');
    await dark.context().close();
  });

  it('lets a pilot change a chapter plan in place, refusing a bad one in the engine words', async () => {
    const page = await openAs(PILOT_EMAIL, 'view=planner&iteration=Run1');
    const edit = page.getByRole('button', { name: 'Edit plan of Trading halt' });
    await edit.click();
    const start = page.getByLabel('Planned start (Europe/Zurich)');
    const end = page.getByLabel('Planned end (Europe/Zurich)');
    expect(await start.inputValue()).toBe('2026-09-22T18:49');
    await start.fill('2026-09-22T19:00');
    await end.fill('2026-09-22T17:00');
    await page.getByRole('button', { name: 'Save plan' }).click();
    const error = page.locator('#plan-error');
    await expect
      .poll(() => error.innerText())
      .toBe('The end 2026-09-22 17:00 is not after the start 2026-09-22 19:00 of Trading halt.');
    expect(await end.getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'planner-edit-refused.png');

    await end.fill('2026-09-23T03:30');
    await end.press('Enter');
    const row = page.locator('tr[data-chapter="Trading halt"]');
    await expect.poll(() => row.innerText()).toContain('Plan Tue 22 Sept 19:00 → Wed 23 Sept 03:30');
    await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('plan-edit-trading-halt');
    await page.context().close();

    const events = [];
    for await (const event of readAuditEvents(database.db, { iteration: 'Run1' })) {
      if (event.subject === 'Trading halt') events.push(event);
    }
    expect(events.map((e) => e.type)).toEqual(['chapter.refused', 'chapter.plan']);
    expect(events[1]).toMatchObject({
      actor: PILOT_EMAIL,
      details: {
        before: { start: '2026-09-22T18:49', end: '2026-09-23T03:08' },
        after: { start: '2026-09-22T19:00', end: '2026-09-23T03:30' },
        source: 'tab',
      },
    });
  });

  it('gives a viewer no edit control, and the API refuses their change', async () => {
    const page = await openAs(VIEWER_EMAIL, 'view=planner&iteration=Run1');
    await page.locator('table.pl-grid').waitFor();
    expect(await page.getByRole('button', { name: /Edit plan/ }).count()).toBe(0);
    expect(await page.locator('.planner').innerText()).toContain(
      'Read only: only pilots change chapter plans.',
    );
    await page.context().close();

    const response = await fetch(`${base}/tab/api/planner/chapter`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', [LOCAL_USER_HEADER]: VIEWER_EMAIL },
      body: JSON.stringify({
        iteration: 'Run1',
        chapter: 'Trading halt',
        start: '2026-09-22 20:00',
        end: '2026-09-23 04:00',
      }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      outcome: 'refused',
      code: 'ROLE',
      error: 'Only a pilot may change the plan of a chapter. Greta Manager is a viewer (in no team).',
    });
  });

  it("downloads the chosen iteration's report (HTML, CSV) and the comparison for a viewer", async () => {
    const page = await openAs(VIEWER_EMAIL, 'view=planner&iteration=Run1');
    await page.locator('table.pl-grid').waitFor();
    const folder = fs.mkdtempSync('/tmp/runsheet-report-dl-');
    const downloaded = async (button: string) => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: button, exact: true }).click(),
      ]);
      const file = path.join(folder, download.suggestedFilename());
      await download.saveAs(file);
      return { name: download.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
    };
    const html = await downloaded('Report (HTML)');
    expect(html.name).toBe('report-Run1.html');
    expect(html.text).toContain('<title>Rehearsal report · Run1</title>');
    expect(html.text).not.toContain('<script');
    const csv = await downloaded('Report (CSV)');
    expect(csv.name).toBe('report-Run1.csv');
    const rows = csv.text.trim().split('\r\n');
    expect(rows.length).toBeGreaterThan(1);
    // One row per step in Run1's scope: the same as the board's step count.
    const board = (await (
      await fetch(`${base}/tab/api/board?iteration=Run1`, { headers: { [LOCAL_USER_HEADER]: VIEWER_EMAIL } })
    ).json()) as { totals: { total: number } };
    expect(rows.length - 1).toBe(board.totals.total);
    const comparison = await downloaded('Comparison (HTML)');
    expect(comparison.name).toBe('comparison.html');
    expect(comparison.text).toContain('<h1>Rehearsals compared</h1>');
    expect(comparison.text).toContain('Run1');
    // A viewer reads the forecast's durations but has no control to change them.
    expect(await page.locator('#planner-durations-basis').count()).toBe(0);
    await page.context().close();
  });

  it('lets a pilot switch the forecast to learned durations from the planner', async () => {
    const page = await openAs(PILOT_EMAIL, 'view=planner&iteration=Run1');
    const select = page.locator('#planner-durations-basis');
    await select.waitFor();
    expect(await select.inputValue()).toBe('indicative');
    await expect(page.locator('#planner-forecast-end').innerText()).resolves.toContain(
      'indicative durations',
    );
    await select.selectOption('learned');
    await page.locator('#planner-durations', { hasText: 'learned durations' }).waitFor();
    // Run0 never ran: nothing to learn from yet, which the planner says.
    await expect(page.locator('#planner-forecast-end').innerText()).resolves.toContain(
      'learned durations (no earlier actuals yet: indicative durations)',
    );
    const events = [];
    for await (const event of readAuditEvents(database.db, { iteration: 'Run1' }))
      if (event.type === 'iteration.set-duration-basis') events.push(event);
    expect(events).toMatchObject([{ actor: PILOT_EMAIL, details: { from: 'indicative', to: 'learned' } }]);
    await select.selectOption('indicative');
    await page.locator('#planner-durations', { hasText: 'indicative durations' }).waitFor();
    await page.context().close();
  });

  it('exports the plan as one standalone HTML file that shows every chapter offline', async () => {
    const response = await fetch(`${base}/tab/api/planner/export.html?iteration=Run1`, {
      headers: { [LOCAL_USER_HEADER]: VIEWER_EMAIL },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="macro-plan-Run1-2026-09-19-1030.html"',
    );
    const html = await response.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);

    const file = path.join(fs.mkdtempSync('/tmp/runsheet-export-'), 'run1.html');
    fs.writeFileSync(file, html);
    // Offline: a context that may not reach anything, opening the file from disk, JavaScript off.
    const context = await browser.newContext({
      viewport: { width: 1587, height: 1123 },
      javaScriptEnabled: false,
      offline: true,
    });
    const page = await context.newPage();
    await page.goto(`file://${file}`);
    const overview = await page.locator('section.overview').innerText();
    for (const chapter of CHAPTERS) expect(overview).toContain(chapter);
    expect(await page.locator('header').innerText()).toContain(
      'All times in Europe/Zurich. Generated 2026-09-19 10:30 CEST',
    );
    expect(overview).toContain('Fri 18 Sept 18:00'); // Freeze source changes' planned start, Zurich time
    const days = await page.locator('section.day h2').allInnerTexts();
    expect(days.map((d) => d.split(' ·')[0])).toEqual([
      'Fri 18 Sept 2026',
      'Sat 19 Sept 2026',
      'Tue 22 Sept 2026',
      'Wed 23 Sept 2026',
    ]);
    expect(await page.locator('.now-line').count()).toBeGreaterThan(0);
    await shot(page, 'export-light.png');
    if (SCREENSHOTS)
      await page.pdf({
        path: path.join(SCREENSHOTS, 'export-a3.pdf'),
        format: 'A3',
        landscape: true,
        printBackground: true,
      });
    await context.close();

    const dark = await browser.newContext({
      viewport: { width: 1587, height: 1123 },
      colorScheme: 'dark',
      javaScriptEnabled: false,
    });
    const darkPage = await dark.newPage();
    await darkPage.goto(`file://${file}`);
    await shot(darkPage, 'export-dark.png');
    await dark.close();
  });

  it('passes axe (WCAG 2 A and AA, contrast included) in the default, dark and contrast themes', async () => {
    const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const problems: string[] = [];
    for (const view of ['planner', 'controls']) {
      for (const theme of ['default', 'dark', 'contrast']) {
        const page = await openAs(PILOT_EMAIL, `view=${view}&iteration=Run1`, { theme });
        await page.locator(view === 'planner' ? 'table.pl-grid' : 'table.cg-grid').waitFor();
        if (view === 'planner')
          await page.getByRole('button', { name: 'Edit plan of Delta capture' }).click();
        await page.evaluate(axeSource);
        const result = (await page.evaluate(
          "axe.run(document.querySelector('main'), { runOnly: ['wcag2a', 'wcag2aa'] })",
        )) as { violations: { id: string; nodes: { target: string[] }[] }[]; passes: { id: string }[] };
        // The contrast rule ran and found text it could check (not only elements it gave up on).
        if (!result.passes.some((rule) => rule.id === 'color-contrast'))
          problems.push(`${view}/${theme}: contrast not checked`);
        for (const violation of result.violations) {
          problems.push(
            `${view}/${theme}: ${violation.id} at ${violation.nodes
              .map((n) => n.target.join(' '))
              .slice(0, 3)
              .join(', ')}`,
          );
        }
        await page.context().close();
      }
    }
    expect(problems).toEqual([]);
  });

  it('shows the controls grid and filters it', async () => {
    const page = await openAs(VIEWER_EMAIL, 'view=controls&iteration=Run1');
    const grid = page.locator('table.cg-grid');
    await grid.waitFor();
    const all = await grid.locator('tbody tr').count();
    expect(all).toBe(46);
    const first = await grid.locator('tbody tr').first().innerText();
    expect(first).toContain('Passed');
    expect(first).toContain('Claire Pilot');
    expect(first).toContain('2026-09-19 02:00 CEST');
    await shot(page, 'controls-light.png');
    await page.getByLabel('Result in Run1').selectOption('FAILED');
    await expect.poll(async () => grid.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Result in Run1').selectOption('');
    await expect.poll(async () => grid.locator('tbody tr').count()).toBe(all);
    await page.getByLabel('Producer').selectOption('Engine');
    const producers = () => grid.locator('tbody tr td:nth-child(3)').allInnerTexts();
    await expect.poll(async () => [...new Set(await producers())]).toEqual(['Engine']);
    expect((await producers()).length).toBe(4);
    await page.context().close();
  });

  it('lets the producer set a result and the validator confirm it in the controls grid', async () => {
    // C0011-c: produced by DBA, validated by Engine; OPEN in Run1.
    const producer = await openAs('pierre.dba@bank.example', 'view=controls&iteration=Run1');
    const grid = producer.locator('table.cg-grid');
    await grid.waitFor();
    await producer.getByLabel('Search').fill('C0011-c');
    await expect.poll(async () => grid.locator('tbody tr').count()).toBe(1);
    const row = grid.locator('tbody tr').first();
    // The producer sets a result; Confirm is the validator's.
    expect(await row.getByRole('button').allInnerTexts()).toEqual(['Passed', 'Failed']);
    await producer.getByLabel('Note for the result you set or confirm').fill('1,204 rows');
    await row.getByRole('button', { name: 'Passed C0011-c' }).click();
    await expect
      .poll(async () => producer.locator('.cg-outcome').innerText())
      .toBe('C0011-c passed by Pierre DBA: OPEN → PASSED.');
    await expect.poll(async () => row.innerText()).toContain('not confirmed');
    await producer.context().close();

    const validator = await openAs('luca.engine@bank.example', 'view=controls&iteration=Run1');
    await validator.locator('table.cg-grid').waitFor();
    await validator.getByLabel('Search').fill('C0011-c');
    const validatorRow = validator.locator('table.cg-grid tbody tr');
    await expect.poll(async () => validatorRow.count()).toBe(1);
    await validatorRow.getByRole('button', { name: 'Confirm C0011-c' }).click();
    await expect.poll(async () => validatorRow.innerText()).toContain('✓ confirmed by Luca Engine');
    expect(await validatorRow.getByRole('button', { name: 'Confirm C0011-c' }).count()).toBe(0);
    await validator.context().close();
  });

  it("shows a go/no-go step's phase controls and asks a pilot to confirm Done over the open ones", async () => {
    // IGO-25 (Trading halt) is not played: a pilot starts it early.
    const started = await engine.execute({
      action: 'start',
      subject: 'IGO-25',
      iteration: 'Run1',
      actor: { email: PILOT_EMAIL },
      force: true,
      source: 'cli',
    });
    expect(started.outcome, started.message).toBe('applied');
    for (const task of ['IGO-25-1', 'IGO-25-2', 'IGO-25-3']) {
      for (const action of ['start', 'done'] as const) {
        const result = await engine.execute({
          action,
          subject: task,
          iteration: 'Run1',
          actor: { email: PILOT_EMAIL },
          source: 'cli',
        });
        expect(result.outcome, result.message).toBe('applied');
      }
    }
    const page = await openAs(PILOT_EMAIL, 'view=board&iteration=Run1');
    await page.locator('#filter-q').fill('IGO-25');
    await page.locator('[data-step="IGO-25"]').first().click({ timeout: 8000 });
    const detail = page.locator('aside.detail');
    await expect.poll(async () => detail.innerText()).toContain('IGO-25:');
    expect(await detail.locator('#phase-controls').innerText({ timeout: 3000 })).toMatch(
      /^Controls of phase .+: .*open/,
    );
    expect(await detail.locator('.warning-note').innerText()).toMatch(
      /^Not passed: C\d{4}-[a-z]+ (OPEN|FAILED)/,
    );

    // Done is refused; the dialog says why; Back changes nothing.
    await detail.getByRole('button', { name: 'Done IGO-25', exact: true }).click({ timeout: 5000 });
    const dialog = page.locator('dialog.confirm-dialog');
    await dialog.waitFor({ timeout: 5000 });
    expect(await dialog.innerText()).toContain('IGO-25 is a go/no-go step and controls of phase');
    await dialog.getByRole('button', { name: 'Back' }).click();
    await expect.poll(async () => detail.locator('.outcome').innerText()).toContain('is a go/no-go step');
    expect(await detail.locator('.facts').innerText()).toContain('In progress');

    // Again, and confirmed: done, with the acknowledgement in the audit.
    await detail.getByRole('button', { name: 'Done IGO-25', exact: true }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Mark IGO-25 done anyway' }).click();
    await expect
      .poll(async () => detail.locator('.outcome').innerText())
      .toContain('IGO-25 marked done by Claire Pilot');
    expect(await detail.locator('.outcome').innerText()).toMatch(
      /Done with \d+ controls? not passed, acknowledged:/,
    );
    let event: { details: unknown } | undefined;
    for await (const e of readAuditEvents(database.db, { iteration: 'Run1' }))
      if (e.type === 'step.done' && e.subject === 'IGO-25') event = e;
    expect(event?.details).toMatchObject({
      source: 'tab',
      acknowledgeControls: true,
      openControls: expect.any(Array),
    });
    await page.context().close();
  });
});
