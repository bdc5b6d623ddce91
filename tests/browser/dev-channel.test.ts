/**
 * The dev channel walk in Chromium, as a newcomer does it: the real service in-process (local mode,
 * worker running, an empty database), /dev opened in a real browser, the demo loaded in one click,
 * Run1 activated by a pilot, a card started, its task done, the step done, the successor's card
 * appearing in the next team's channel, and a pilot's `hold` changing that card in place.
 *
 * Needs /usr/bin/chromium (.ci/run installs it); without it the walk is skipped, saying so.
 * Screenshots go to /tmp/dev-*.png.
 */
import { type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  hasChromium,
  startBrowserWalk,
  waitForText,
  type BrowserWalk,
} from '../support/browser-walk.js';

if (!hasChromium) {
  console.warn(
    `SKIPPED the dev channel browser test: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it).`,
  );
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
  let walk: BrowserWalk;
  let page: Page;
  let base: string;
  const timings: Record<string, number> = {};
  let mark = Date.now();
  const lap = (name: string) => {
    const now = Date.now();
    timings[name] = now - mark;
    mark = now;
  };
  const shot = (name: string) => page.screenshot({ path: `/tmp/dev-${name}.png` });

  beforeAll(async () => {
    walk = await startBrowserWalk('dev');
    ({ page, base } = walk);
  }, 60_000);

  afterAll(async () => {
    await walk?.close();
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

    expect(walk.pageErrors).toEqual([]);
  });
});
