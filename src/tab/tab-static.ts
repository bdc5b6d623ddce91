/**
 * The tab's pages and scripts: plain ES modules and CSS from src/tab/public (served from the source
 * folder, found from src/ and dist/src/ alike, no build step), and Microsoft's teams-js browser
 * bundle from node_modules. Static files need no identity; the API behind them does.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type restify from 'restify';
import { packageRoot } from '../db/client.js';

export const tabPublicFolder = () => path.join(packageRoot(), 'src', 'tab', 'public');

/** teams-js's UMD bundle (it defines `window.microsoftTeams`), as its package's `main` names it. */
function teamsJsBundle(): string {
  return createRequire(import.meta.url).resolve('@microsoft/teams-js');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

// Teams shows the tab in an iframe on its own origins; nothing else may frame it ('self' lets a
// same-origin page host it, as the browser tests' stand-in for Teams does).
const FRAME_ANCESTORS =
  "'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.teams.microsoft.us https://*.office.com https://*.cloud.microsoft https://*.skype.com";

const SECURITY_HEADERS = {
  // teams-js fetches its list of valid host origins from res.cdn.office.net (and falls back to a
  // built-in list when it cannot).
  'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https://res.cdn.office.net; frame-ancestors ${FRAME_ANCESTORS}; base-uri 'none'; form-action 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

async function sendFile(res: restify.Response, file: string): Promise<void> {
  const type = TYPES[path.extname(file)];
  let body: Buffer;
  try {
    if (!type) throw Object.assign(new Error('not served'), { code: 'ENOENT' });
    body = await fs.promises.readFile(file);
  } catch (error) {
    const missing = ['ENOENT', 'EISDIR', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');
    res.json(missing ? 404 : 500, { error: missing ? 'no such file' : 'cannot read the file' });
    return;
  }
  res.writeHead(200, { 'content-type': type!, 'content-length': body.length, ...SECURITY_HEADERS });
  res.end(body);
}

/** Mounts /tab (the content page), /tab/config (the configuration page) and /tab/static/<file>. */
export function mountTabStatic(server: restify.Server): void {
  const root = tabPublicFolder();
  server.get('/tab', async (_req, res) => sendFile(res, path.join(root, 'index.html')));
  server.get('/tab/', async (_req, res) => sendFile(res, path.join(root, 'index.html')));
  server.get('/tab/config', async (_req, res) => sendFile(res, path.join(root, 'config.html')));
  server.get('/tab/vendor/teams-js.js', async (_req, res) => sendFile(res, teamsJsBundle()));
  server.get('/tab/static/*', async (req, res) => {
    const relative = String((req.params as Record<string, string>)['*'] ?? '');
    const file = path.resolve(root, relative);
    // Only files inside the public folder, never ../ out of it.
    if (!file.startsWith(root + path.sep)) {
      res.json(404, { error: 'no such file' });
      return;
    }
    await sendFile(res, file);
  });
}
