/**
 * The dev channel walk in Chromium, as a newcomer does it: the real service in-process (local mode,
 * worker running, an empty database), /dev opened in a real browser, the demo loaded in one click,
 * Run1 activated by a pilot, a card started, its task done, the step done, the successor's card
 * appearing in the next team's channel, and a pilot's `hold` changing that card in place.
 *
 * Needs /usr/bin/chromium (.ci/run installs it); without it the walk is skipped, saying so.
 * Screenshots go to /tmp/dev-*.png.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type restify from 'restify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DirectorySnapshot } from '../../src/directory/directory.js';
import { SwitchableDirectory } from '../../src/directory/switchable-directory.js';
import { Engine } from '../../src/engine/engine.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { startTeamsService, type TeamsService } from '../../src/teams/teams-service.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `SKIPPED the dev channel browser test: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it).`,
  );
}

/** Waits for the visible text of `locator` to contain `text`. */
async function waitForText(locator: Locator, text: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.innerText().catch(() => '')) ?? '';
    if (last.includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for "${text}"; the text was:\n${last}`);
}

/**
 * Presses a card button and waits until the bot's in-place update of that card has arrived (a
 * higher `data-updates`) and been refreshed into the presser's own view, as Teams does for the
 * users a card's `refresh.userIds` lists (the presser is listed once the bot has heard from them),
 * and `done()` holds on it. Waiting for all of that keeps the next press off a card that is being
 * replaced.
 */
async function press(card: Locator, button: Locator, done: () => Promise<boolean>): Promise<void> {
  const before = Number(await card.getAttribute('data-updates'));
  await button.click();
  const deadline = Date.now() + 15_000;
  for (;;) {
    const updates = Number(await card.getAttribute('data-updates'));
    const view = await card.getAttribute('data-view');
    if (updates > before && view === 'own' && (await done())) return;
    if (Date.now() > deadline)
      throw new Error(
        `the card did not settle (updates ${before} → ${updates}, view ${view}):\n${await card.innerText()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!hasChromium)('the dev channel in Chromium', () => {
  let database: TestDatabase;
  let server: restify.Server;
  let teams: TeamsService;
  let browser: Browser;
  let page: Page;
  let base: string;
  let dataDir: string;
  const pageErrors: string[] = [];
  const timings: Record<string, number> = {};
  let mark = Date.now();
  const lap = (name: string) => {
    const now = Date.now();
    timings[name] = now - mark;
    mark = now;
  };
  const shot = (name: string) => page.screenshot({ path: `/tmp/dev-${name}.png` });

  beforeAll(async () => {
    // As main.ts starts it: local mode (no app id), no directory configured, the worker polling.
    database = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-dev-'));
    const config = loadConfig({
      RUNSHEET_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    });
    expect(config.localMode).toBe(true);
    const logger = createLogger(config.logLevel);
    const directory = new SwitchableDirectory(new DirectorySnapshot('no directory configured', []));
    const engine = new Engine({ database, directory });
    server = createHttpServer({ database, logger, about: { service: 'runsheet', mode: 'local' } });
    teams = startTeamsService({ config, server, engine, directory, logger });
    await listen(server, 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    await teams?.stop();
    await database?.destroy();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    console.info(`dev channel walk timings (ms): ${JSON.stringify(timings)}`);
  });

  it('walks a newcomer from an empty service to a card put on hold', { timeout: 180_000 }, async () => {
    const channel = (name: string) => page.locator(`#channel-list button[data-name="${name}"]`);
    const actAs = (label: string) => page.getByLabel('Acting as').selectOption({ label });
    const say = async (command: string) => {
      await page.getByLabel('Message to @Runsheet').fill(command);
      await page.getByLabel('Message to @Runsheet').press('Enter');
    };
    const posts = page.locator('#posts');
    mark = Date.now();

    await page.goto(`${base}/dev`);
    const loadDemo = page.getByRole('button', { name: 'Load the demo plan and people' });
    await loadDemo.waitFor();
    await shot('1-first-run');
    lap('open /dev');

    await loadDemo.click();
    await channel('Pilots').waitFor();
    await channel('Testing').waitFor();
    await page.locator('#guide').waitFor();
    await waitForText(page.locator('#guide'), 'iteration Run1');
    await shot('2-demo-loaded');
    lap('load the demo');

    // A pilot activates Run1 in the pilots' channel; the bot answers in the thread.
    await actAs('Claire Pilot — pilot');
    await channel('Pilots').click();
    await waitForText(page.locator('#channel-title'), 'Pilots');
    await say('iteration Run1');
    await waitForText(posts, 'Run1 activated by Claire Pilot');
    expect(await page.getByLabel('Message to @Runsheet').inputValue()).toBe('');
    await shot('3-run1-activated');
    lap('activate Run1');

    // A member of the team that owns a ready step opens its channel and sees the card.
    await actAs('Leo Testing — Testing');
    await waitForText(channel('Testing'), '1');
    await channel('Testing').click();
    const card = posts.locator('article.post', { hasText: 'TRT-10011' });
    await card.waitFor();
    await waitForText(card, 'READY');
    await shot('4-testing-card');
    lap('see the card');

    const button = (name: string) => card.getByRole('button', { name, exact: true });
    const has = async (text: string) => (await card.innerText()).includes(text);
    await press(card, button('Start'), () => has('IN PROGRESS'));
    await shot('5-started');
    lap('press Start');

    // Its task: Start, then Done (the task's Done comes before the step's in the card), then the step's Done.
    await press(card, button('Start'), async () => (await button('Done').count()) === 2);
    await press(card, button('Done').first(), async () => (await button('Done').count()) === 1);
    await press(card, button('Done'), () => has('Marked done by Leo Testing'));
    expect(await button('Done').count()).toBe(0);
    await shot('6-done');
    lap('task start, task done, step done');

    // The successor's card appears in the Business Ops channel.
    await waitForText(channel('Business Ops'), '1');
    await channel('Business Ops').click();
    const successor = posts.locator('article.post', { hasText: 'TRT-10016' });
    await successor.waitFor();
    await waitForText(successor, 'READY');
    await shot('7-successor');
    lap('see the successor card');

    // A pilot holds it with a command; the card changes in place.
    await actAs('Claire Pilot — pilot');
    await channel('Pilots').click();
    await say('hold TRT-10016');
    await waitForText(posts, 'TRT-10016 put on hold by Claire Pilot');
    await shot('8-hold-command');
    await channel('Business Ops').click();
    await waitForText(successor, 'ON HOLD');
    await waitForText(successor, 'Edited');
    await shot('9-on-hold');
    lap('hold as a pilot');

    expect(pageErrors).toEqual([]);
  });
});
