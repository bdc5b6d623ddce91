/**
 * The activation dialog: the page Teams shows in a dialog (task module) when a pilot presses
 * Activate, and its API. Every API call needs the bearer token the bot minted for that pilot, step
 * and iteration (dialog-token.ts); without a valid one the answer is 401 and nothing else.
 *
 * Routes:
 * - `GET /dialogs/activation?token=…`: the page (public/activation.html; the page moves the token
 *   out of its address at once);
 * - `GET /dialogs/activation/api/draft`: To (the team's members), Cc (the pilots), subject and
 *   body from the template, comms mode;
 * - `POST /dialogs/activation/api/preview` `{ subject, bodyHtml|null }`: the mail as it would leave
 *   (sanitised body, TEST marks) and its card as Outlook gets it;
 * - `POST /dialogs/activation/api/send` `{ to, cc, subject, bodyHtml|null }`: `sendActivationMail`
 *   (`bodyHtml: null` = the template's rendering, untouched).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type restify from 'restify';
import { packageRoot } from '../../db/client.js';
import { draftActivationMail, sendActivationMail } from '../../engine/activation-mail.js';
import type { Engine } from '../../engine/engine.js';
import { sanitizeRichText } from '../../import/sanitize-html.js';
import type { Logger } from '../../logger.js';
import { loadStepMail, stepMailCard } from '../../mail/step-mail.js';
import { ACTIVATION_DIALOG_PATH } from './activation-launcher.js';
import type { DialogClaims, DialogTokens } from './dialog-token.js';

export interface ActivationDialogOptions {
  engine: Engine;
  tokens: DialogTokens;
  logger: Logger;
  actionableOriginator: string | undefined;
  /** Local mode: the dev page shows the dialog in a frame of its own, so framing by 'self' is allowed. */
  localMode: boolean;
}

export const dialogPublicFolder = () => path.join(packageRoot(), 'src', 'teams', 'dialog', 'public');

/** Teams (and Outlook's Teams apps) show dialogs in a frame of theirs: these may frame the page. */
const TEAMS_FRAME_ANCESTORS =
  'https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft https://*.office.com https://outlook.office.com https://outlook.office365.com';

/** TeamsJS (in Teams only) fetches the list of Teams hosts from res.cdn.office.net. */
function securityHeaders(localMode: boolean): Record<string, string> {
  return {
    'content-security-policy':
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; " +
      `connect-src 'self' https://res.cdn.office.net; frame-src 'self'; frame-ancestors ${localMode ? "'self' " : ''}${TEAMS_FRAME_ANCESTORS}; base-uri 'none'; form-action 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

function vendorFile(module: string, relative: string): string {
  const entry = createRequire(import.meta.url).resolve(module);
  return path.join(path.dirname(entry), relative);
}

const STATIC: Record<string, () => { file: string; type: string }> = {
  [ACTIVATION_DIALOG_PATH]: () => ({
    file: path.join(dialogPublicFolder(), 'activation.html'),
    type: 'text/html; charset=utf-8',
  }),
  '/dialogs/static/activation.js': () => ({
    file: path.join(dialogPublicFolder(), 'activation.js'),
    type: 'text/javascript; charset=utf-8',
  }),
  '/dialogs/static/activation.css': () => ({
    file: path.join(dialogPublicFolder(), 'activation.css'),
    type: 'text/css; charset=utf-8',
  }),
  '/dialogs/vendor/adaptivecards.min.js': () => ({
    file: vendorFile('adaptivecards', '../dist/adaptivecards.min.js'),
    type: 'text/javascript; charset=utf-8',
  }),
  '/dialogs/vendor/teams-js.min.js': () => ({
    file: vendorFile('@microsoft/teams-js', 'MicrosoftTeams.min.js'),
    type: 'text/javascript; charset=utf-8',
  }),
};

/** The claims of the request's bearer token, or null after answering 401. */
async function authorise(
  req: restify.Request,
  res: restify.Response,
  tokens: DialogTokens,
): Promise<DialogClaims | null> {
  const header = req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const claims = match ? await tokens.verify(match[1]!) : null;
  if (!claims) {
    res.json(401, {
      error: match
        ? 'This activation dialog has expired or its link is not valid: close it and press Activate again.'
        : 'No identity: open the activation dialog from Teams (Activate on the step card).',
    });
  }
  return claims;
}

const isJson = (req: restify.Request) => /^application\/json\b/i.test(req.header('content-type') ?? '');

const stringList = (value: unknown): string[] | null =>
  Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : null;

const REFUSAL_STATUS: Record<string, number> = {
  ROLE: 403,
  UNKNOWN_USER: 403,
  INVALID_INPUT: 400,
};

/** Mounts the dialog page and its API. */
export function mountActivationDialog(server: restify.Server, options: ActivationDialogOptions): void {
  const { engine, tokens, logger } = options;
  const headers = securityHeaders(options.localMode);

  /** The token's draft, or null after answering why there is none. */
  const draftFor = async (claims: DialogClaims, res: restify.Response) => {
    const result = await draftActivationMail(engine, {
      actor: { email: claims.email },
      step: claims.step,
      iteration: claims.iteration,
    });
    if (result.ok) return result;
    res.json(REFUSAL_STATUS[result.code] ?? 409, { error: result.message, code: result.code });
    return null;
  };

  for (const [route, locate] of Object.entries(STATIC)) {
    server.get(route, async (_req, res) => {
      const { file, type } = locate();
      try {
        const body = await fs.promises.readFile(file);
        res.writeHead(200, { 'content-type': type, 'content-length': body.length, ...headers });
        res.end(body);
      } catch (error) {
        res.json(500, { error: `cannot read ${path.basename(file)}: ${(error as Error).message}` });
      }
    });
  }

  server.get(`${ACTIVATION_DIALOG_PATH}/api/draft`, async (req, res) => {
    const claims = await authorise(req, res, tokens);
    if (!claims) return;
    const result = await draftFor(claims, res);
    if (!result) return;
    const pilot = engine.directory.findByEmail(claims.email);
    res.json(200, { ...result.draft, pilot: { name: pilot?.name ?? claims.email, email: claims.email } });
  });

  server.post(`${ACTIVATION_DIALOG_PATH}/api/preview`, async (req, res) => {
    const claims = await authorise(req, res, tokens);
    if (!claims) return;
    const body = (req.body ?? {}) as { subject?: unknown; bodyHtml?: unknown };
    if (!isJson(req) || (body.bodyHtml !== null && typeof body.bodyHtml !== 'string')) {
      res.json(400, {
        error: 'expected JSON { subject, bodyHtml } (bodyHtml null: the template as rendered)',
      });
      return;
    }
    const draft = await draftFor(claims, res);
    if (!draft) return;
    const mail = await loadStepMail(engine, draft.draft.iterationId, draft.draft.stepId, engine.now());
    res.json(200, {
      subject:
        typeof body.subject === 'string'
          ? body.subject.replace(/[\r\n\t]+/g, ' ').trim()
          : draft.draft.subject,
      bodyHtml: body.bodyHtml === null ? draft.draft.bodyHtml : sanitizeRichText(body.bodyHtml as string),
      card: stepMailCard(mail.data, options.actionableOriginator),
      comms: draft.draft.comms,
    });
  });

  server.post(`${ACTIVATION_DIALOG_PATH}/api/send`, async (req, res) => {
    const claims = await authorise(req, res, tokens);
    if (!claims) return;
    const body = (req.body ?? {}) as { to?: unknown; cc?: unknown; subject?: unknown; bodyHtml?: unknown };
    const to = stringList(body.to);
    const cc = stringList(body.cc);
    if (
      !isJson(req) ||
      !to ||
      !cc ||
      typeof body.subject !== 'string' ||
      (body.bodyHtml !== null && typeof body.bodyHtml !== 'string')
    ) {
      res.json(400, {
        error: 'expected JSON { to: [address], cc: [address], subject, bodyHtml (null: as rendered) }',
      });
      return;
    }
    const result = await sendActivationMail(engine, {
      actor: { email: claims.email },
      step: claims.step,
      iteration: claims.iteration,
      to,
      cc,
      subject: body.subject,
      bodyHtml: body.bodyHtml as string | null,
      source: 'teams',
    });
    logger.info(
      { step: claims.step, iteration: claims.iteration, outcome: result.outcome, audit: result.auditSeq },
      'activation email',
    );
    if (result.outcome === 'refused') {
      res.json(REFUSAL_STATUS[result.code] ?? 409, { error: result.message, code: result.code });
      return;
    }
    res.json(200, { message: result.message, to: result.to, cc: result.cc, edited: result.edited });
  });
}
