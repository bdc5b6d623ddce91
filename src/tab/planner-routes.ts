/**
 * The planner's and the controls grid's API under /tab/api (mounted through tab-routes.ts):
 *
 * - `GET /planner?iteration=NAME` the macro-plan (src/engine/planner-read-model.ts), with
 *   `canEdit` for a pilot; the active iteration without `iteration`.
 * - `PUT /planner/chapter` `{ iteration, chapter, start, end, seen }` a pilot changes a chapter's
 *   plan (src/engine/chapter-plan-edit.ts). Answers 200 with the result when applied or unchanged;
 *   otherwise `{ error: <the engine's words>, code, outcome }` with 403 (role, unknown user), 404
 *   (iteration, chapter), 409 (stale: someone changed it meanwhile) or 422 (the times).
 * - `GET /planner/export.html?iteration=NAME` the standalone HTML export, as a download.
 * - `GET /board/export.xlsx?iteration=NAME` the board as a workbook, as a download.
 * - `GET /controls?phase&producer&validator&result&resultIn&text&offset&limit` the controls grid,
 *   each row with `actions`: the control actions the user may take in the active iteration.
 * - `POST /controls/:id/actions` `{ action, iteration, seen, note }` sets a control's result or
 *   confirms it (pass, fail, confirm, cancel, reopen), executed by the engine like every other door
 *   (source `tab`); answers 200 with the engine's result, a refusal included.
 */
import type restify from 'restify';
import { changeChapterPlan, type ChapterPlanResult } from '../engine/chapter-plan-edit.js';
import { loadBoardRows } from '../engine/board-rows.js';
import { loadControlsGrid } from '../engine/controls-grid.js';
import { chapterForecastWindows, forecastDurationsOf, liveForecastOf } from '../engine/forecast-view.js';
import { loadPlannerView } from '../engine/planner-read-model.js';
import { findIterationByName } from '../engine/read-models.js';
import { boardFileName, safeFilePart, writeBoardWorkbook } from '../export/board-xlsx.js';
import { renderPlannerHtml } from '../export/planner-html.js';
import { CONTROL_ACTIONS, isControlAction, isControlResult } from '../domain/statuses.js';
import { availableControlActions } from '../domain/transitions.js';
import { TabHttpError, type TabRouter } from './tab-routes.js';
import { actorOf, type TabUser } from './tab-user.js';

type Query = Record<string, string | string[] | undefined>;

/** One text parameter of the query string, or null. */
function text(req: restify.Request, name: string): string | null {
  const value = (req.query as Query | undefined)?.[name];
  const single = Array.isArray(value) ? value[0] : value;
  return single && single.trim() !== '' ? single : null;
}

function integer(req: restify.Request, name: string): number | undefined {
  const value = text(req, name);
  if (value === null) return undefined;
  if (!/^\d+$/.test(value)) throw new TabHttpError(400, `${name} must be a whole number, not "${value}"`);
  return Number(value);
}

function bodyText(body: Record<string, unknown>, name: string, required = true): string {
  const value = body[name];
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (!required && (value === undefined || value === null)) return '';
  throw new TabHttpError(400, `give "${name}" as text`);
}

const STATUS_OF_REFUSAL: Record<string, number> = {
  ROLE: 403,
  UNKNOWN_USER: 403,
  UNKNOWN_ITERATION: 404,
  UNKNOWN_CHAPTER: 404,
};

function statusOf(result: ChapterPlanResult): number {
  if (result.outcome === 'applied' || result.outcome === 'duplicate') return 200;
  if (result.outcome === 'stale') return 409;
  return STATUS_OF_REFUSAL[result.code] ?? 422;
}

/** Answers with a file to download (the exports, the reports). */
export function sendDownload(res: restify.Response, body: Buffer, type: string, fileName: string): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': body.length,
    'content-disposition': `attachment; filename="${fileName}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

/** Registers the planner's, the exports' and the controls grid's routes. */
export function registerPlannerRoutes(router: TabRouter): void {
  router.get('/planner', async (req, res, { user, engine, now }) => {
    const at = now();
    const view = await loadPlannerView(engine.database.db, text(req, 'iteration'), at, async ({ name }) => {
      const iteration = await findIterationByName(engine.database.db, name);
      const live = iteration ? await liveForecastOf(engine, iteration, at) : null;
      return live ? { chapters: chapterForecastWindows(live) } : null;
    });
    const iteration = await findIterationByName(engine.database.db, view.iteration.name);
    res.json(200, {
      ...view,
      canEdit: user.role === 'pilot',
      // Which durations the forecast uses; a pilot may switch them while the iteration is not closed.
      durations: iteration ? await forecastDurationsOf(engine, iteration, at) : null,
    });
  });

  router.put('/planner/chapter', async (req, res, { user, engine, now }) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const seen = body.seen as { start?: unknown; end?: unknown } | null | undefined;
    const result = await changeChapterPlan(
      engine,
      {
        iteration: bodyText(body, 'iteration'),
        chapter: bodyText(body, 'chapter'),
        start: bodyText(body, 'start'),
        end: bodyText(body, 'end'),
        seen:
          seen === undefined
            ? undefined
            : seen === null
              ? null
              : { start: String(seen.start ?? ''), end: String(seen.end ?? '') },
        actor: actorOf(user),
        source: 'tab',
      },
      { now: now() },
    );
    const status = statusOf(result);
    res.json(status, status === 200 ? result : { error: result.message, ...result });
  });

  router.get('/planner/export.html', async (req, res, { engine, now }) => {
    const at = now();
    const view = await loadPlannerView(engine.database.db, text(req, 'iteration'), at);
    const stamp = view.generatedAt.label.slice(0, 16).replace(' ', '-').replace(':', '');
    sendDownload(
      res,
      Buffer.from(renderPlannerHtml(view), 'utf8'),
      'text/html; charset=utf-8',
      `macro-plan-${safeFilePart(view.iteration.name)}-${stamp}.html`,
    );
  });

  router.get('/board/export.xlsx', async (req, res, { engine, now }) => {
    const at = now();
    const board = await loadBoardRows(engine, text(req, 'iteration'));
    sendDownload(
      res,
      await writeBoardWorkbook(board, at),
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      boardFileName(board.iteration.name, board.iteration.timeZone, at),
    );
  });

  router.get('/controls', async (req, res, { engine, user }) => {
    const result = text(req, 'result');
    if (result !== null && !isControlResult(result.toUpperCase()))
      throw new TabHttpError(400, `result must be OPEN, PASSED, FAILED or CANCELLED, not "${result}"`);
    const grid = await loadControlsGrid(engine.database.db, {
      phase: text(req, 'phase'),
      producer: text(req, 'producer'),
      validator: text(req, 'validator'),
      result: result === null ? null : (result.toUpperCase() as 'OPEN'),
      resultIn: text(req, 'resultIn'),
      text: text(req, 'text'),
      offset: integer(req, 'offset'),
      limit: integer(req, 'limit'),
    });
    const active = grid.iterations.find((it) => it.status === 'ACTIVE')?.name ?? null;
    res.json(200, {
      ...grid,
      activeIteration: active,
      rows: grid.rows.map((row) => {
        const cell = active ? row.results[active] : undefined;
        return {
          ...row,
          actions: cell ? controlActionsFor(user, row, cell.result, cell.confirmedByName !== null) : [],
        };
      }),
    });
  });

  router.post('/controls/:id/actions', async (req, res, { engine, user }) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const action = typeof body.action === 'string' ? body.action.trim() : '';
    if (!isControlAction(action))
      throw new TabHttpError(400, `action must be one of ${CONTROL_ACTIONS.join(', ')}, not "${action}"`);
    const optional = (name: string) =>
      typeof body[name] === 'string' && (body[name] as string).trim() !== ''
        ? (body[name] as string).trim()
        : null;
    const result = await engine.execute({
      action,
      subject: String(req.params.id),
      iteration: optional('iteration'),
      actor: actorOf(user),
      seen: optional('seen'),
      reason: optional('note'),
      source: 'tab',
    });
    res.json(200, result);
  });
}

/** The control actions the tab offers the user on a result (the engine still decides). */
function controlActionsFor(
  user: TabUser,
  control: { producer: string; validator: string },
  result: Parameters<typeof availableControlActions>[0],
  confirmed: boolean,
): string[] {
  if (!user.inDirectory) return [];
  return availableControlActions(result, confirmed, {
    isPilot: user.role === 'pilot',
    isProducer: user.teams.includes(control.producer),
    isValidator: user.teams.includes(control.validator),
  });
}
