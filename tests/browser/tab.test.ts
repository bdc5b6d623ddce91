/**
 * The tab in Chromium, as people use it. Inside "Teams": a stand-in host page (fake-teams-host.ts)
 * frames the real tab pages with the real teams-js and answers its postMessage protocol, giving
 * SSO tokens signed by the local test key, which the service validates against its local JWKS.
 * Outside Teams: local mode's user picker, and the "open this in Teams" page otherwise.
 *
 * Checks: the configuration page saves a config; the board shows the sample plan; a change made by
 * another process appears without reload, also after the stream dropped; a pilot acts and a viewer
 * cannot; the theme follows Teams live; axe-core finds no WCAG A/AA violation in the three themes.
 * Writes the board screenshots to docs/screenshots/ (light and dark, 1280x800).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeTeamsHostPage, type FakeHostOptions } from '../support/fake-teams-host.js';
import {
  ITERATION,
  PEOPLE,
  sampleDirectory,
  startTabHarness,
  TENANT,
  type TabHarness,
} from '../support/tab-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIPPED the tab browser test: ${CHROMIUM} is missing.`);
const SCREENSHOTS = path.resolve('docs/screenshots');

// Run in the browser (the tests' TypeScript has no DOM types).
const hostLog = 'window.hostLog';
const hostSend = (func: string, args: unknown[]) =>
  `window.hostSend(${JSON.stringify(func)}, ${JSON.stringify(args)})`;
const theme = 'document.documentElement.dataset.theme';
const focusedStep = 'document.activeElement && document.activeElement.dataset.step';

async function waitFor(check: () => Promise<boolean>, what: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!hasChromium)('the tab in Chromium', () => {
  let h: TabHarness;
  let local: TabHarness;
  let browser: Browser;
  let context: BrowserContext;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    h = await startTabHarness({ teams: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Nothing leaves 127.0.0.1: teams-js's fetch of its origin list from Microsoft's CDN is refused
    // (it falls back to its built-in list).
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
    await local?.stop();
  });

  /** Opens a tab page inside the stand-in Teams host as `email`; returns the page and the tab's frame. */
  async function inTeams(
    email: string,
    src: string,
    options: Partial<FakeHostOptions> = {},
    on: BrowserContext = context,
  ): Promise<{ page: Page; frame: Frame }> {
    const user = sampleDirectory().findByEmail(email)!;
    const page = await on.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const hostUrl = `${h.base}/test-teams-host-${Math.random().toString(36).slice(2)}`;
    const html = fakeTeamsHostPage({
      src,
      frameContext: 'content',
      theme: 'default',
      token: await h.token(email),
      user: { aadObjectId: user.aadObjectId, email },
      tenantId: TENANT,
      ...options,
    });
    await page.route(hostUrl, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: html }),
    );
    await page.goto(hostUrl);
    let frame: Frame | undefined;
    await waitFor(
      async () => Boolean((frame = page.frames().find((f) => f.url().includes('/tab/')))),
      'the tab frame',
    );
    return { page, frame: frame! };
  }

  const text = (frame: Frame, selector: string) => frame.locator(selector).innerText();

  it('the configuration page saves the chosen view and iteration through teams-js', async () => {
    const { page, frame } = await inTeams(PEOPLE.pilot, '/tab/config', { frameContext: 'settings' });
    const log = () => page.evaluate<{ func: string; args: unknown[] }[]>(hostLog);
    await waitFor(
      async () => (await log()).some((m) => m.func === 'settings.setValidityState' && m.args[0] === true),
      'setValidityState(true)',
    );
    await waitFor(
      async () => (await frame.locator('#config-iteration option').count()) > 1,
      'the iterations',
    );
    await frame.getByLabel('Planner: the macro-plan hour by hour').check();
    await frame.locator('#config-iteration').selectOption(ITERATION);
    await page.evaluate(hostSend('settings.save', [{}]));
    await waitFor(
      async () => (await log()).some((m) => m.func === 'settings.save.success'),
      'the save to succeed',
    );
    const saved = (await log()).find((m) => m.func === 'settings.setSettings')!.args[0];
    expect(saved).toEqual({
      entityId: `runsheet-planner-${ITERATION}`,
      contentUrl: `${h.base}/tab/?view=planner&iteration=${ITERATION}`,
      websiteUrl: `${h.base}/tab/?view=planner&iteration=${ITERATION}`,
      suggestedDisplayName: `Runsheet Planner · ${ITERATION}`,
    });
    await page.close();
  });

  it('shows the board, follows the theme, updates live, and lets a pilot act', async () => {
    // Some history, so the board has every kind of status to show.
    const act = async (action: string, subject: string, more: { reason?: string; force?: boolean } = {}) => {
      const result = await h.otherProcess.execute({
        action: action as 'start',
        subject,
        actor: { email: PEOPLE.pilot },
        source: 'cli',
        ...more,
      });
      expect(result.outcome, result.message).toBe('applied');
    };
    for (const step of [
      'TRT-10006',
      'TRT-10011',
      'TRT-10016',
      'DUM-501',
      'DUM-502',
      'SYS-3005',
      'TRT-10018',
    ]) {
      await act('start', step);
      await act('done', step, { force: true });
    }
    await act('start', 'BUS-2003', { force: true });
    await act('fail', 'BUS-2003', { reason: 'Reconciliation shows 12 missing client records' });
    await act('start', 'TRT-10041', { force: true });
    await act('hold', 'TRT-10041', { reason: 'Waiting for the network change window' });

    const { page, frame } = await inTeams(PEOPLE.pilot, '/tab/?view=board');
    await waitFor(
      async () => (await text(frame, '.board-summary')).includes(`${ITERATION} · active`),
      'the board',
    );
    expect(await text(frame, '.board-summary')).toContain('Europe/Zurich');
    expect(await text(frame, '#phases-title + .phase')).toContain('Pre-migration');
    await waitFor(
      async () => (await frame.locator('[data-step="BUS-2003"]').count()) === 1,
      'the failed step listed',
    );
    expect(await text(frame, 'tr:has([data-step="BUS-2003"])')).toContain('Failed');
    await waitFor(async () => (await text(frame, '#live-state')) === 'Live', 'the live stream');
    expect(await frame.evaluate(theme)).toBe('default');
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'tab-board-light.png') });

    await page.evaluate(hostSend('themeChange', ['dark']));
    await waitFor(async () => (await frame.evaluate(theme)) === 'dark', 'the dark theme');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'tab-board-dark.png') });

    // A change made by another process (the CLI) appears without reload.
    const ready = await frame.locator('tr:has(.status-READY) [data-step]').first().getAttribute('data-step');
    expect(ready).toBeTruthy();
    const started = Date.now();
    await act('start', ready!);
    const row = frame.locator(`tr:has([data-step="${ready}"])`);
    await waitFor(async () => (await row.innerText()).includes('In progress'), 'the change on the board');
    const liveMs = Date.now() - started;
    expect(liveMs).toBeLessThan(3_000);

    // After a drop, the stream reconnects and the change made meanwhile arrives (replayed from
    // the audit log after the page's Last-Event-ID): the streams are cut and kept from
    // reconnecting while another process changes the step.
    await page.route('**/tab/api/events', (route) => route.abort());
    h.tab.hub.closeStreams();
    await waitFor(async () => (await text(frame, '#live-state')) === 'Reconnecting…', 'the drop to show');
    await act('hold', ready!);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await row.innerText()).toContain('In progress');
    await page.unroute('**/tab/api/events');
    await waitFor(async () => (await row.innerText()).includes('On hold'), 'the change made while offline');
    await waitFor(async () => (await text(frame, '#live-state')) === 'Live', 'the live stream again');
    await act('resume', ready!);

    // The pilot acts from the step detail; the engine's outcome is shown.
    const next = await frame.locator('tr:has(.status-READY) [data-step]').first().getAttribute('data-step');
    await frame.locator(`[data-step="${next}"]`).click();
    const detail = frame.locator('aside.detail');
    await waitFor(async () => (await detail.innerText()).includes(`${next}:`), 'the step detail');
    await detail.getByRole('button', { name: `Start ${next}`, exact: true }).click();
    await waitFor(async () => (await detail.locator('.outcome').count()) > 0, 'the outcome');
    expect(await detail.locator('.outcome').innerText()).toContain('Claire Pilot');
    await waitFor(
      async () => (await detail.locator('.facts').innerText()).includes('In progress'),
      'the new status',
    );
    expect(await detail.locator('.trail').innerText()).toMatch(/Claire Pilot: step\.start.*via tab/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'tab-board-detail-dark.png') });
    // Keyboard: Escape closes the panel and gives focus back to the step.
    await page.keyboard.press('Escape');
    expect(await detail.isHidden()).toBe(true);
    expect(await frame.evaluate(focusedStep)).toBe(next);
    await page.close();
  }, 90_000);

  it('shows the forecast end and marks the critical path in the header, the list and the detail', async () => {
    const { page, frame } = await inTeams(PEOPLE.pilot, '/tab/?view=board');
    await waitFor(async () => (await frame.locator('#board-forecast').count()) === 1, 'the forecast');
    // In the iteration's time zone, as everywhere on the board.
    expect(await text(frame, '#board-forecast')).toMatch(/Forecast end \d{4}-\d\d-\d\d \d\d:\d\d CES?T/);
    const first = frame.locator('#critical-path .step-link').first();
    const id = (await first.innerText()).trim();
    // Each chapter's forecast end beside its counts; the critical path's chapter says so in words.
    expect(await frame.locator('table.chapters th .crit-tag').count()).toBeGreaterThan(0);
    expect(await frame.locator('[data-chapter-forecast] time').count()).toBeGreaterThan(0);
    await frame.locator('#filter-q').fill(id);
    await waitFor(
      async () => (await frame.locator(`[data-critical="${id}"]`).count()) === 1,
      'the list mark',
    );
    await first.click();
    const detail = frame.locator('aside.detail');
    await waitFor(async () => (await detail.innerText()).includes(`${id}:`), 'the step detail');
    expect(await text(frame, '#detail-critical')).toContain('On the critical path');
    expect(await detail.locator('.facts').innerText()).toMatch(
      /Forecast\s+\d{4}-\d\d-\d\d \d\d:\d\d CES?T →/,
    );
    await page.close();
  });

  it('shows a viewer the board without any action', async () => {
    const { page, frame } = await inTeams(PEOPLE.viewer, '/tab/?view=board');
    await waitFor(async () => (await frame.locator('[data-step]').count()) > 0, 'the steps');
    expect(await text(frame, '#who')).toContain('Greta Manager · viewer');
    await frame.locator('[data-step]').first().click();
    const detail = frame.locator('aside.detail');
    await waitFor(
      async () => (await detail.innerText()).includes('Your role allows no action'),
      'the read-only detail',
    );
    expect(await detail.locator('.actions button').count()).toBe(0);
    await page.close();
  });

  it('shows the Planner and Controls views as not available until they are built', async () => {
    const { page, frame } = await inTeams(PEOPLE.viewer, '/tab/?view=board');
    await waitFor(async () => (await frame.locator('[data-step]').count()) > 0, 'the steps');
    await frame.getByRole('tab', { name: 'Planner' }).click();
    await waitFor(async () => (await text(frame, '#view')).length > 0, 'the planner view');
    const planner = await text(frame, '#view');
    expect(planner.includes('not available') || !planner.includes('Loading')).toBe(true);
    await page.close();
  });

  it('passes axe-core (WCAG 2 A and AA) in the default, dark and contrast themes', async () => {
    // axe is injected as a script, which the tab's CSP refuses; this context alone bypasses it.
    const axeContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    await axeContext.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    const axeSource = fs.readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');
    for (const theme of ['default', 'dark', 'contrast'] as const) {
      const { page, frame } = await inTeams(PEOPLE.pilot, '/tab/?view=board', { theme }, axeContext);
      await waitFor(async () => (await frame.locator('[data-step]').count()) > 0, 'the steps');
      // A step on the critical path: its marks are checked too, in every theme.
      await frame.locator('#critical-path .step-link').first().click();
      await waitFor(async () => (await frame.locator('aside.detail .trail').count()) > 0, 'the detail');
      await waitFor(async () => (await frame.locator('#detail-critical').count()) > 0, 'the critical mark');
      await frame.evaluate(axeSource);
      const violations = await frame.evaluate<string[]>(`axe
        .run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
        .then((result) => result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`);
      expect(violations, `axe in the ${theme} theme`).toEqual([]);
      await page.close();
    }
    await axeContext.close();
  }, 90_000);

  it('outside Teams: the user picker in local mode, "open in Teams" otherwise', async () => {
    const page = await context.newPage();
    await page.goto(`${h.base}/tab/`);
    await waitFor(
      async () => (await page.locator('h2').innerText()).includes('Open Runsheet in Microsoft Teams'),
      'the Teams page',
    );
    await page.close();

    local = await startTabHarness({ teams: false });
    const localPage = await context.newPage();
    await localPage.goto(`${local.base}/tab/`);
    await localPage.getByLabel('Person').selectOption(PEOPLE.operations);
    await localPage.getByRole('button', { name: 'Open the tab' }).click();
    await waitFor(
      async () => (await localPage.locator('#who').innerText()).includes('Marc Operations · team member'),
      'the board',
    );
    await waitFor(async () => (await localPage.locator('[data-step]').count()) > 0, 'the steps');
    await localPage.close();
    expect(pageErrors).toEqual([]);
  });
});
