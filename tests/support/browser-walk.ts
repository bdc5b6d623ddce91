/**
 * What the Chromium walks share: the real service in-process as main.ts starts it in local mode (no
 * app id, no directory configured, the worker polling, an empty database) and a Chromium page on it.
 * Needs /usr/bin/chromium (.ci/run installs it); without it the walks are skipped, saying so.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type restify from 'restify';
import { loadConfig } from '../../src/config.js';
import { DirectorySnapshot } from '../../src/directory/directory.js';
import { SwitchableDirectory } from '../../src/directory/switchable-directory.js';
import { Engine } from '../../src/engine/engine.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { startTeamsService, type TeamsService } from '../../src/teams/teams-service.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

/** Waits for the visible text of `locator` to contain `text`. */
export async function waitForText(locator: Locator, text: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.innerText().catch(() => '')) ?? '';
    if (last.includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for "${text}"; the text was:\n${last}`);
}

export interface BrowserWalk {
  database: TestDatabase;
  server: restify.Server;
  teams: TeamsService;
  browser: Browser;
  page: Page;
  base: string;
  dataDir: string;
  /** Errors the page reported (uncaught exceptions, console errors). */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Starts the service and opens a Chromium page (not yet navigated). */
export async function startBrowserWalk(name: string): Promise<BrowserWalk> {
  const database = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `runsheet-${name}-`));
  const config = loadConfig({ RUNSHEET_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  if (!config.localMode) throw new Error('the walk needs local mode');
  const logger = createLogger(config.logLevel);
  const directory = new SwitchableDirectory(new DirectorySnapshot('no directory configured', []));
  const engine = new Engine({ database, directory });
  const server = createHttpServer({ database, logger, about: { service: 'runsheet', mode: 'local' } });
  const teams = startTeamsService({ config, server, engine, directory, logger });
  await listen(server, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  return {
    database,
    server,
    teams,
    browser,
    page,
    base,
    dataDir,
    pageErrors,
    close: async () => {
      await browser.close();
      server.close();
      await teams.stop();
      await database.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
