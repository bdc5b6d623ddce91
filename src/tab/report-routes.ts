/**
 * The rehearsal reports and the forecast's duration basis under /tab/api (mounted through
 * tab-routes.ts):
 *
 * - `GET /report.html?iteration=NAME`, `GET /report.csv?iteration=NAME` the rehearsal report of an
 *   iteration (the active one without `iteration`), as a download: the same files as
 *   `runsheet report --iteration` (src/report/report-files.ts). Anyone signed in to the tab may read
 *   them, viewers included.
 * - `GET /comparison.html`, `GET /comparison.csv` the comparison across iterations, likewise.
 * - `PUT /iterations/:name/durations` `{ basis: 'indicative' | 'learned' }` a pilot chooses the
 *   durations of the iteration's forecast (`set-duration-basis`, executed by the engine). Answers 200
 *   with the result, with `durations` (the basis and how the forecast says it); otherwise
 *   `{ error: <the engine's words>, code }` with 403 (role, unknown user), 404 (iteration) or 409
 *   (a closed iteration).
 */
import type restify from 'restify';
import { isDurationBasis } from '../domain/duration-basis.js';
import { forecastDurationsOf } from '../engine/forecast-view.js';
import { findIterationByName, NotFoundError } from '../engine/read-models.js';
import { safeFilePart } from '../export/board-xlsx.js';
import { comparisonFile, iterationReportFile, type ReportFormat } from '../report/report-files.js';
import { sendDownload } from './planner-routes.js';
import { TabHttpError, type TabRouter } from './tab-routes.js';
import { actorOf } from './tab-user.js';

const CONTENT_TYPES: Record<ReportFormat, string> = {
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

const STATUS_OF_REFUSAL: Record<string, number> = {
  ROLE: 403,
  UNKNOWN_USER: 403,
  UNKNOWN_ITERATION: 404,
  STATUS: 409,
};

function iterationParameter(req: restify.Request): string | null {
  const value = (req.query as Record<string, unknown> | undefined)?.iteration;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** Registers the report downloads and the duration basis route. */
export function registerReportRoutes(router: TabRouter): void {
  for (const format of ['html', 'csv'] as const) {
    router.get(`/report.${format}`, async (req, res, { engine, now }) => {
      const named = iterationParameter(req);
      const iteration = await findIterationByName(engine.database.db, named);
      if (!iteration)
        throw new NotFoundError(
          named === null ? 'No iteration is active.' : `There is no iteration "${named}".`,
        );
      const file = await iterationReportFile(engine, iteration.name, format, now());
      sendDownload(
        res,
        Buffer.from(file.text, 'utf8'),
        CONTENT_TYPES[format],
        `report-${safeFilePart(file.iteration)}.${format}`,
      );
    });
    router.get(`/comparison.${format}`, async (_req, res, { engine }) => {
      const file = await comparisonFile(engine, format);
      sendDownload(res, Buffer.from(file.text, 'utf8'), CONTENT_TYPES[format], `comparison.${format}`);
    });
  }

  router.put('/iterations/:name/durations', async (req, res, { engine, user, now }) => {
    const basis = ((req.body ?? {}) as Record<string, unknown>).basis;
    if (!isDurationBasis(basis))
      throw new TabHttpError(
        400,
        `basis must be "indicative" or "learned", not ${JSON.stringify(basis ?? null)}`,
      );
    const result = await engine.execute({
      action: 'set-duration-basis',
      subject: String(req.params.name),
      durationBasis: basis,
      actor: actorOf(user),
      source: 'tab',
    });
    if (result.outcome !== 'applied') {
      const code = result.outcome === 'refused' ? result.code : result.outcome;
      res.json(STATUS_OF_REFUSAL[code] ?? 422, { error: result.message, code });
      return;
    }
    const iteration = await findIterationByName(engine.database.db, result.iteration ?? null);
    res.json(200, {
      ...result,
      durations: iteration ? await forecastDurationsOf(engine, iteration, now()) : null,
    });
  });
}
