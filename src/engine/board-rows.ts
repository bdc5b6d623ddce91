/**
 * The board as rows: every step in scope of an iteration with its phase, chapter, team, status
 * (and readiness), times and who started and finished it. What the board's XLSX export writes.
 * One query for the states; readiness from the plan snapshot.
 */
import { sql } from '../db/orm.js';
import { queryRows, toDate } from '../db/client.js';
import { isStepReady } from '../domain/readiness.js';
import type { WorkStatus } from '../domain/statuses.js';
import type { Engine } from './engine.js';
import { NotFoundError } from './read-models.js';

export interface BoardRow {
  step: string;
  title: string;
  phase: string;
  chapter: string;
  team: string;
  environment: string;
  status: WorkStatus;
  ready: boolean;
  durationMinutes: number | null;
  startedAt: Date | null;
  startedBy: string | null;
  endedAt: Date | null;
  endedBy: string | null;
  lastChangeBy: string | null;
  reason: string | null;
}

export interface BoardRows {
  iteration: { name: string; status: string; timeZone: string };
  rows: BoardRow[];
}

/** The steps in scope of the named iteration (the active one when null), in plan order. */
export async function loadBoardRows(engine: Engine, iterationName: string | null): Promise<BoardRows> {
  const db = engine.database.db;
  const [iteration] = await queryRows<{ id: number; name: string; status: string; time_zone: string }>(
    db,
    iterationName === null
      ? sql`select id, name, status, time_zone from iterations where status = 'ACTIVE' and not archived`
      : sql`select id, name, status, time_zone from iterations where lower(name) = lower(${iterationName.trim()}) and not archived`,
  );
  if (!iteration) {
    throw new NotFoundError(
      iterationName === null
        ? 'No iteration is active; name one.'
        : `There is no iteration "${iterationName}".`,
    );
  }
  const snapshot = await engine.snapshot();
  const rows = await queryRows<{
    id: number;
    key: string;
    title: string;
    phase: string;
    chapter: string;
    team: string;
    environment: string;
    duration: number | null;
    status: WorkStatus | null;
    started_at: Date | string | null;
    started_by: string | null;
    ended_at: Date | string | null;
    ended_by: string | null;
    changed_by_name: string | null;
    reason: string | null;
  }>(
    db,
    sql`select s.id, s.key, s.title, p.name as phase, c.name as chapter, t.name as team, s.environment,
          s.duration_minutes as duration, ss.status, ss.started_at, ss.started_by, ss.ended_at, ss.ended_by,
          ss.changed_by_name, ss.reason
        from step_scope sc join steps s on s.id = sc.step_id and not s.archived
        join chapters c on c.id = s.chapter_id join phases p on p.id = c.phase_id join teams t on t.id = s.team_id
        left join step_states ss on ss.iteration_id = sc.iteration_id and ss.step_id = s.id
        where sc.iteration_id = ${iteration.id}
        order by s.sort_order, s.id`,
  );
  const statusByDbId = new Map(rows.map((row) => [row.id, row.status ?? 'OPEN']));
  const scope = snapshot.scopeOf(iteration.id);
  const statusOf = (index: number) => statusByDbId.get(snapshot.steps[index]!.dbId) ?? 'OPEN';
  return {
    iteration: { name: iteration.name, status: iteration.status, timeZone: iteration.time_zone },
    rows: rows.map((row) => {
      const index = snapshot.indexOfDbId(row.id);
      return {
        step: row.key,
        title: row.title,
        phase: row.phase,
        chapter: row.chapter,
        team: row.team,
        environment: row.environment,
        status: row.status ?? 'OPEN',
        ready: index !== undefined && isStepReady(scope, index, statusOf),
        durationMinutes: row.duration,
        startedAt: toDate(row.started_at),
        startedBy: row.started_by,
        endedAt: toDate(row.ended_at),
        endedBy: row.ended_by,
        lastChangeBy: row.changed_by_name,
        reason: row.reason,
      };
    }),
  };
}
