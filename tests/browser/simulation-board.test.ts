/**
 * Watching a simulated rehearsal in Chromium, as `npm run simulate -- --serve` offers it: the
 * service on the simulation's clock (bench/simulate-serve.ts) in this process, the sample plan's
 * DR1 played through its engine at 300x (bench/simulate-rehearsal.ts), and a pilot's board open on
 * DR1 in local mode. Reading only what the page shows, the test waits until (a) an open alert is
 * listed on the board, (b) the iteration's forecast end has shown two different times, (c) the
 * critical path has shown two different sequences of steps; then the pilots' channel in /dev shows
 * the alert cards. Writes docs/screenshots/simulation-board-*.png.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storePlan } from '../../src/engine/store-plan.js';
import { readPlanFile } from '../../src/import/read-plan.js';
import { simulateRehearsal, simulationStart, type SimulationResult } from '../../bench/simulate-rehearsal.js';
import { startSimulationService, type SimulationService } from '../../bench/simulate-serve.js';
import { CHROMIUM, hasChromium, waitForText } from '../support/browser-walk.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

if (!hasChromium) console.warn(`SKIPPED the simulation board test: ${CHROMIUM} is missing.`);
const SCREENSHOTS = path.resolve('docs/screenshots');

describe.skipIf(!hasChromium)('a simulated DR1 on the board in Chromium', () => {
  let database: TestDatabase;
  let service: SimulationService;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const stop = new AbortController();
  let simulation: Promise<SimulationResult> | undefined;
  const log: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const read = await readPlanFile(path.resolve('samples/demo-runsheet.json'), {
      registeredStepTypes: new Set(['TRT', 'PRE', 'BUS', 'IGO', 'BGO', 'DUM', 'SYS', 'CHK', 'GON']),
    });
    if (!read.plan) throw new Error('the sample plan did not read');
    await storePlan(database, read.plan, { actor: 'simulate', source: 'demo-runsheet.json' });
    service = await startSimulationService({
      database,
      directoryFile: path.resolve('samples/demo-directory.json'),
      start: await simulationStart(database, 'DR1'),
      port: 0,
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-simulation-board-')),
      env: { LOG_LEVEL: 'silent' },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    stop.abort();
    await simulation?.catch(() => undefined);
    await browser?.close();
    await service?.stop();
    await database?.destroy();
  });

  it(
    'shows alerts arriving, the forecast end moving and the critical path changing',
    { timeout: 90_000 },
    async () => {
      // A pilot opens DR1's board before the rehearsal starts, through local mode's user picker.
      await page.goto(`${service.base}/tab/?view=board&iteration=DR1`);
      await page.getByLabel('Person').selectOption('claire.pilot@bank.example');
      await page.getByRole('button', { name: 'Open the tab' }).click();
      await waitForText(page.locator('.board-summary h2'), 'DR1 · planned');
      await waitForText(page.locator('#board-alerts h3'), 'Open alerts (0)');
      await waitForText(page.locator('#board-alerts'), 'No open alert.');

      simulation = simulateRehearsal({
        database,
        directory: service.directory,
        clock: service.clock,
        engine: service.engine,
        iteration: 'DR1',
        speed: 300,
        settings: { overrunGraceMinutes: 5, readyGraceMinutes: 15, chapterGraceMinutes: 0 },
        signal: stop.signal,
        log: (line) => log.push(line),
      });

      // What the page shows, read every 100 ms until each change has been seen.
      const ends = new Set<string>();
      const paths = new Set<string>();
      let alertSeen: string | null = null;
      let firstShot = false;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !(alertSeen && ends.size >= 2 && paths.size >= 2)) {
        const shown = (await page.evaluate(`(() => ({
        end: document.querySelector('#forecast-end')?.textContent ?? null,
        path: [...document.querySelectorAll('#critical-path .step-link')].map((b) => b.textContent).join(' → '),
        alerts: [...document.querySelectorAll('#board-alerts li[data-alert-kind]')].map((li) => li.textContent),
      }))()`)) as { end: string | null; path: string; alerts: string[] };
        if (shown.end) ends.add(shown.end);
        if (shown.path) paths.add(shown.path);
        if (!alertSeen && shown.alerts.length > 0) alertSeen = shown.alerts[0]!;
        if (alertSeen && shown.end && !firstShot) {
          firstShot = true;
          await page.screenshot({ path: path.join(SCREENSHOTS, 'simulation-board-first-alerts.png') });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const seen = `alert: ${alertSeen}; forecast ends: ${[...ends].join(' | ')}; critical paths: ${[...paths].join(' | ')}\n${log.slice(-10).join('\n')}`;
      expect(alertSeen, seen).not.toBeNull();
      expect(ends.size, seen).toBeGreaterThanOrEqual(2);
      expect(paths.size, seen).toBeGreaterThanOrEqual(2);
      await waitForText(page.locator('.board-summary h2'), 'DR1 · active');
      // The shell's iteration picker followed the activation too.
      await waitForText(page.locator('#iteration-select'), 'DR1 (active)');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'simulation-board-later.png') });

      // The same alerts reached the pilots' channel as cards (the job worker runs on the same clock).
      const dev = await page.context().newPage();
      await dev.goto(`${service.base}/dev`);
      await dev.locator('#channel-list button[data-name="Pilots"]').click();
      await waitForText(dev.locator('#posts'), 'Chapter will miss its planned end');
      await dev.screenshot({ path: path.join(SCREENSHOTS, 'simulation-dev-pilots.png') });
      expect(pageErrors).toEqual([]);
    },
  );
});
