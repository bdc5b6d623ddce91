/**
 * The board's API under /tab/api (mounted through tab-routes.ts): who the user is, the
 * iterations, the board of an iteration, its step list, a step's detail with the actions the user
 * may take, and those actions, executed by the engine like every other door (source `tab`).
 */
import { availableWorkActions, WORK_TRANSITION_TABLE } from '../domain/transitions.js';
import { isWorkAction, type WorkAction, type WorkStatus } from '../domain/statuses.js';
import {
  BOARD_STATUS_FILTERS,
  getBoardSummary,
  listBoardIterations,
  listBoardSteps,
  type BoardStatusFilter,
} from '../engine/board-read-model.js';
import {
  iterationForecastView,
  liveForecastOf,
  stepForecastAt,
  stepForecasts,
} from '../engine/forecast-view.js';
import type { LiveForecast } from '../engine/forecast-service.js';
import type { Engine } from '../engine/engine.js';
import { listBoardAlerts } from '../engine/alert-list.js';
import { findIterationByName, getStepDetail, type StepDetail } from '../engine/read-models.js';
import { subjectTrail } from '../engine/subject-trail.js';
import { latestAuditSeq } from './live-events.js';
import { TabHttpError, type TabRouter } from './tab-routes.js';
import { actorOf, type TabUser } from './tab-user.js';

/** A button the detail panel offers: the engine still decides, and says why when it refuses. */
export interface OfferedAction {
  action: WorkAction;
  /** A pilot's start of a step that is not ready yet (audited as forced). */
  force?: true;
  reasonRequired: boolean;
}

function offeredActions(
  user: TabUser,
  status: WorkStatus,
  team: string,
  extra: { ready?: boolean; parentInProgress?: boolean } = {},
): OfferedAction[] {
  const isPilot = user.role === 'pilot';
  if (!user.inDirectory) return [];
  // A team member acts on tasks only while their step runs; a pilot may override.
  if (extra.parentInProgress === false && !isPilot) return [];
  return availableWorkActions(status, { isPilot, isOwnTeam: user.teams.includes(team) }).flatMap((action) => {
    const offered: OfferedAction = { action, reasonRequired: WORK_TRANSITION_TABLE[action].reasonRequired };
    if (action === 'start' && extra.ready === false)
      return isPilot ? [{ ...offered, force: true as const }] : [];
    return [offered];
  });
}

function actionsFor(user: TabUser, detail: StepDetail, iterationActive: boolean) {
  if (!iterationActive || !detail.inScope) return { step: [], tasks: {} };
  const parentInProgress = detail.status === 'IN_PROGRESS';
  return {
    step: offeredActions(user, detail.status, detail.team, { ready: detail.ready }),
    tasks: Object.fromEntries(
      detail.tasks.map((task) => [
        task.id,
        offeredActions(user, task.status, task.team, { parentInProgress }),
      ]),
    ),
  };
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
const integer = (value: unknown) =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;

/** The live forecast of the named iteration while it is active (src/engine/forecast-view.ts). */
async function forecastOfIteration(engine: Engine, name: string, now: Date): Promise<LiveForecast | null> {
  const iteration = await findIterationByName(engine.database.db, name);
  return iteration ? liveForecastOf(engine, iteration, now) : null;
}

/** Registers the board's routes. */
export function registerBoardRoutes(router: TabRouter): void {
  router.get('/me', async (_req, res, { user, engine }) => {
    res.json(200, {
      // The audit seq the page's data starts from: its live stream replays anything after it.
      seq: await latestAuditSeq(engine.database),
      name: user.name,
      email: user.email,
      role: user.role,
      teams: user.teams,
      inDirectory: user.inDirectory,
      via: user.via,
    });
  });

  router.get('/iterations', async (_req, res, { engine }) => {
    res.json(200, { iterations: await listBoardIterations(engine.database.db) });
  });

  router.get('/board', async (req, res, { engine, now }) => {
    const query = req.query as Record<string, unknown>;
    const at = now();
    const summary = await getBoardSummary(engine, text(query.iteration), at);
    const iteration = await findIterationByName(engine.database.db, summary.iteration.name);
    const live = iteration ? await liveForecastOf(engine, iteration, at) : null;
    // The open alerts, as the pilots' channel has them (the `late` command reads the same).
    const alerts = iteration ? await listBoardAlerts(engine.database.db, iteration) : [];
    res.json(200, { ...summary, forecast: live ? iterationForecastView(live) : null, alerts });
  });

  router.get('/board/steps', async (req, res, { engine, now }) => {
    const query = req.query as Record<string, unknown>;
    const status = text(query.status) ?? 'active';
    if (!(BOARD_STATUS_FILTERS as readonly string[]).includes(status)) {
      throw new TabHttpError(
        400,
        `status must be one of ${BOARD_STATUS_FILTERS.join(', ')} (got "${status}")`,
      );
    }
    const at = now();
    const page = await listBoardSteps(
      engine,
      {
        iteration: text(query.iteration),
        team: text(query.team),
        phase: text(query.phase),
        status: status as BoardStatusFilter,
        text: text(query.q),
        offset: integer(query.offset),
        limit: integer(query.limit),
      },
      at,
    );
    const live = await forecastOfIteration(engine, page.iteration.name, at);
    const forecasts = live
      ? stepForecasts(
          live,
          page.steps.map((step) => step.id),
        )
      : new Map();
    res.json(200, {
      ...page,
      steps: page.steps.map((step) => ({ ...step, forecast: forecasts.get(step.id) ?? null })),
    });
  });

  router.get('/steps/:id', async (req, res, { engine, user, now }) => {
    const iterationName = text((req.query as Record<string, unknown>).iteration);
    const detail = await getStepDetail(engine, String(req.params.id), iterationName);
    const db = engine.database.db;
    const [iteration, trail] = await Promise.all([
      findIterationByName(db, detail.iteration),
      subjectTrail(db, detail.iteration, [detail.id, ...detail.tasks.map((task) => task.id)]),
    ]);
    const live = iteration ? await liveForecastOf(engine, iteration, now()) : null;
    const index = live?.snapshot.indexOfKey(detail.id);
    res.json(200, {
      ...detail,
      forecast: live && index !== undefined ? stepForecastAt(live, index) : null,
      iterationStatus: iteration?.status ?? null,
      trail,
      actions: actionsFor(user, detail, iteration?.status === 'ACTIVE'),
    });
  });

  router.post('/steps/:id/actions', async (req, res, { engine, user }) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const action = text(body.action);
    if (!action || !isWorkAction(action)) {
      throw new TabHttpError(
        400,
        `action must be one of start, done, fail, retry, hold, resume, cancel, reopen`,
      );
    }
    const task = text(body.task);
    const step = String(req.params.id);
    if (task && !task.toLowerCase().startsWith(`${step.toLowerCase()}-`)) {
      throw new TabHttpError(400, `task ${task} is not a task of ${step}`);
    }
    const result = await engine.execute({
      action,
      subject: task ?? step,
      iteration: text(body.iteration),
      actor: actorOf(user),
      seen: text(body.seen),
      reason: text(body.reason),
      force: body.force === true,
      acknowledgeControls: body.acknowledgeControls === true,
      source: 'tab',
    });
    res.json(200, result);
  });
}
