/**
 * The local mail walk in Chromium, as the issue asks a new user to do it: as a pilot in /dev,
 * activate a step (Activate… on its card opens the activation dialog), edit the body, send; see the
 * `.eml` in the dev page's mail list, open it, press Start on its card as the team member (an
 * Outlook-channel invoke), and see the Teams card in the team's channel change.
 * Screenshots go to /tmp/dev-mail-*.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  hasChromium,
  startBrowserWalk,
  waitForText,
  type BrowserWalk,
} from '../support/browser-walk.js';

if (!hasChromium) console.warn(`SKIPPED the dev mail browser test: ${CHROMIUM} is missing.`);

describe.skipIf(!hasChromium)('activation email and Outlook card in the dev page', () => {
  let walk: BrowserWalk;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: `/tmp/dev-mail-${name}.png` });

  beforeAll(async () => {
    walk = await startBrowserWalk('dev-mail');
    page = walk.page;
  }, 60_000);
  afterAll(async () => {
    await walk?.close();
  });

  it(
    'activates a step with an edited mail, and Start in the mail moves the Teams card',
    { timeout: 180_000 },
    async () => {
      const channel = (name: string) => page.locator(`#channel-list button[data-name="${name}"]`);
      const actAs = (label: string) => page.getByLabel('Acting as').selectOption({ label });
      const posts = page.locator('#posts');

      await page.goto(`${walk.base}/dev`);
      await page.getByRole('button', { name: 'Load the demo plan and people' }).click();
      await channel('Pilots').waitFor();
      await actAs('Claire Pilot — pilot');
      await channel('Pilots').click();
      await page.getByLabel('Message to @Runsheet').fill('iteration Run1');
      await page.getByLabel('Message to @Runsheet').press('Enter');
      await waitForText(posts, 'Run1 activated by Claire Pilot');

      // The pilot's own view of the ready card has Activate…, which opens the dialog.
      await channel('Testing').click();
      const card = posts.locator('article.post', { hasText: 'TRT-10011' });
      await card.waitFor();
      const activate = card.getByRole('button', { name: 'Activate…' });
      await activate.waitFor({ timeout: 15_000 });
      await activate.click();
      const dialog = page.locator('#task-dialog');
      await dialog.waitFor({ state: 'visible' });
      await waitForText(page.locator('#task-dialog-title'), 'Activation email · TRT-10011');
      const frame = page.frameLocator('#task-dialog-frame');
      await frame.locator('#mail-form').waitFor({ state: 'visible' });
      expect(await frame.locator('#comms-note').innerText()).toContain('this mail goes to the pilots only');
      expect(await frame.locator('#to-list').innerText()).toContain('Leo Testing <leo.testing@bank.example>');
      await waitForText(frame.locator('#body-editor'), 'is ready for you in');

      // The pilot adds a line at the end of the body, previews, and sends.
      await frame.locator('#body-editor').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Enter');
      await page.keyboard.type('Bring the runbook, please.');
      await frame.getByRole('button', { name: 'Preview' }).click();
      await waitForText(frame.locator('#preview-pane'), 'Subject:');
      expect(await frame.frameLocator('#preview-body').locator('body').innerText()).toContain(
        'Bring the runbook, please.',
      );
      await shot('1-dialog');
      await frame.getByRole('button', { name: 'Send' }).click();
      await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
      await waitForText(card, 'The activation email for TRT-10011 is on its way to the pilots only');

      // The worker writes the .eml; the dev page lists it.
      const mailItem = page.locator('#mail-list button', { hasText: 'TRT-10011' });
      await mailItem.waitFor({ timeout: 15_000 });
      expect(await mailItem.innerText()).toContain('[TEST] [Runsheet] Run1 · TRT-10011 is yours to start');
      expect(await mailItem.innerText()).toContain('to you');

      // The team member opens it and presses Start on its card, as Outlook would send it.
      await actAs('Leo Testing — Testing');
      await mailItem.click();
      const mailView = page.locator('#mail-view');
      await mailView.waitFor({ state: 'visible' });
      expect(await page.locator('#mail-to').innerText()).toBe(
        'claire.pilot@bank.example, rahul.pilot@bank.example',
      );
      expect(await page.frameLocator('#mail-body').locator('body').innerText()).toContain(
        'Bring the runbook, please.',
      );
      const mailCard = page.locator('#mail-card');
      await waitForText(mailCard, 'TRT-10011');
      await waitForText(mailCard, 'READY');
      await shot('2-mail');
      await mailCard.getByRole('button', { name: 'Start', exact: true }).click();
      await waitForText(mailCard, 'TRT-10011 started by Leo Testing');
      await waitForText(mailCard, 'IN PROGRESS');
      await shot('3-started-in-mail');

      // The Teams card in the team's channel follows.
      await channel('Testing').click();
      await mailView.waitFor({ state: 'hidden' });
      await waitForText(card, 'IN PROGRESS');
      await waitForText(card, 'Started by Leo Testing');
      await shot('4-teams-card');
      expect(walk.pageErrors).toEqual([]);
    },
  );
});
