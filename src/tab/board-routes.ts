/**
 * The board's API under /tab/api (mounted through tab-routes.ts): who the user is, the
 * iterations, the board of an iteration, its step list, a step's detail, and the actions.
 */
import { listIterations } from '../engine/read-models.js';
import { latestAuditSeq } from './live-events.js';
import type { TabRouter } from './tab-routes.js';

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
    const iterations = await listIterations(engine.database.db);
    res.json(200, {
      iterations: iterations.map((it) => ({
        name: it.name,
        kind: it.kind,
        status: it.status,
        timeZone: it.timeZone,
        comms: it.comms,
        inScope: it.inScope,
        done: it.done,
      })),
    });
  });
}
