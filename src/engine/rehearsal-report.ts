/**
 * The rehearsal report of one iteration (docs/time.md, "Rehearsal reports"): planned against actual
 * per step, chapter and phase, the delays and their causes, the controls' outcome and who did what.
 * Reads the state tables and the iteration's audit events; the figures are computed by the pure
 * `src/domain/report-figures.ts`, the files written by `src/report/`.
 */
import { sql } from '../db/orm.js';
import { queryRows, toDate } from '../db/client.js';
import {
  delayCauses,
  groupFigures,
  stepFigures,
  type DelayCause,
  type GroupFigures,
  type ReportStepEvent,
  type StepFigures,
} from '../domain/report-figures.js';
import { isFinished, isWorkStatus, type WorkStatus } from '../domain/statuses.js';
import type { Engine } from './engine.js';
import { findIterationByName, NotFoundError } from './read-models.js';

export interface RehearsalReport {
  iteration: {
    name: string;
    kind: string;
    status: string;
    timeZone: string;
    activatedAt: number | null;
    closedAt: number | null;
  };
  generatedAt: number;
  steps: StepFigures[];
  chapters: GroupFigures[];
  phases: GroupFigures[];
  total: GroupFigures;
  delays: DelayCause[];
  controls: { id: string; name: string; result: string; note: string | null; by: string | null }[];
  /** Accepted actions per person, the busiest first. */
  people: { name: string; actions: number; byAction: Record<string, number> }[];
}

const ACCEPTED_ACTIONS =
  /^(step|task)\.(start|done|fail|retry|hold|resume|cancel|reopen)$|^control\.(pass|fail|cancel|reopen)$/;

/** The report of iteration `name` (case-insensitive) as of `now`. Throws NotFoundError for an unknown one. */
export async function loadRehearsalReport(engine: Engine, name: string, now: Date): Promise<RehearsalReport> {
  const db = engine.database.db;
  const found = await findIterationByName(db, name);
  if (!found) throw new NotFoundError(`There is no iteration "${name}".`);
  const [iteration] = await queryRows<{
    kind: string;
    activated_at: Date | string | null;
    closed_at: Date | string | null;
  }>(db, sql`select kind, activated_at, closed_at from iterations where id = ${found.id}`);
  const activatedAt = toDate(iteration?.activated_at)?.getTime() ?? null;
  const snapshot = await engine.snapshot();
  const scope = snapshot.scopeOf(found.id);

  const rows = await queryRows<{
    id: number;
    phase: string;
    duration: number | null;
    status: string | null;
    started_at: Date | string | null;
    ended_at: Date | string | null;
    started_by: string | null;
    ended_by: string | null;
  }>(
    db,
    sql`select s.id, p.name as phase, s.duration_minutes as duration, ss.status, ss.started_at, ss.ended_at,
          ss.started_by, ss.ended_by
        from steps s join chapters c on c.id = s.chapter_id join phases p on p.id = c.phase_id
        left join step_states ss on ss.step_id = s.id and ss.iteration_id = ${found.id}
        where not s.archived`,
  );
  const rowOf = new Map(rows.map((row) => [row.id, row]));
  const time = (value: Date | string | null | undefined) => toDate(value)?.getTime() ?? null;
  const statusOf = (index: number): WorkStatus => {
    const status = rowOf.get(snapshot.steps[index]!.dbId)?.status ?? 'OPEN';
    return isWorkStatus(status) ? status : 'OPEN';
  };
  const name_ = (email: string | null) =>
    email ? (engine.directory.findByEmail(email)?.name ?? email) : null;

  const inputs = [];
  for (let index = 0; index < snapshot.steps.length; index++) {
    if (!scope.isInScope(index)) continue;
    const step = snapshot.steps[index]!;
    const row = rowOf.get(step.dbId);
    // Ready since: the latest of its predecessors' ends, its fixed start and the activation,
    // once every predecessor is finished.
    const predecessors = scope.effectivePredecessors(index);
    const readySince =
      activatedAt !== null && predecessors.every((p) => isFinished(statusOf(p)))
        ? Math.max(
            activatedAt,
            scope.notBeforeOf(index) ?? 0,
            ...predecessors.map((p) => time(rowOf.get(snapshot.steps[p]!.dbId)?.ended_at) ?? 0),
          )
        : null;
    inputs.push({
      key: step.key,
      title: step.title,
      phase: row?.phase ?? '',
      chapter: step.chapter,
      team: step.team,
      status: statusOf(index),
      durationMinutes: row?.duration ?? null,
      startedAt: time(row?.started_at),
      endedAt: time(row?.ended_at),
      readySince,
      startedBy: name_(row?.started_by ?? null),
      endedBy: name_(row?.ended_by ?? null),
    });
  }

  const events = await queryRows<{
    at: Date | string;
    type: string;
    subject: string;
    actor_name: string;
    actor: string;
    reason: string | null;
  }>(
    db,
    sql`select at, type, subject, actor_name, actor, details->>'reason' as reason from audit_events
        where iteration = ${found.name} and actor <> 'system' order by seq`,
  );
  const accepted = events.filter((event) => ACCEPTED_ACTIONS.test(event.type));
  const stepEvents: ReportStepEvent[] = accepted
    .filter((event) => event.type.startsWith('step.'))
    .map((event) => ({
      at: time(event.at)!,
      type: event.type,
      subject: event.subject,
      reason: event.reason,
    }));
  const steps = stepFigures(inputs, stepEvents, now.getTime());

  const schedule = await queryRows<{ chapter: string; start: Date | string; end: Date | string }>(
    db,
    sql`select c.name as chapter, cs.planned_start as start, cs.planned_end as end
        from chapter_schedules cs join chapters c on c.id = cs.chapter_id where cs.iteration_id = ${found.id}`,
  );
  const plannedOf = new Map(
    schedule.map((row) => [row.chapter, { start: time(row.start)!, end: time(row.end)! }]),
  );
  const chapterNames = [...new Set(steps.map((s) => s.chapter))];
  const chapters = chapterNames.map((chapter) =>
    groupFigures(
      chapter,
      steps.filter((s) => s.chapter === chapter),
      plannedOf.get(chapter) ?? null,
    ),
  );
  const windowOf = (names: readonly string[]) => {
    const windows = names.flatMap((n) => (plannedOf.has(n) ? [plannedOf.get(n)!] : []));
    return windows.length === 0
      ? null
      : { start: Math.min(...windows.map((w) => w.start)), end: Math.max(...windows.map((w) => w.end)) };
  };
  const phaseNames = [...new Set(steps.map((s) => s.phase))];
  const phases = phaseNames.map((phase) => {
    const members = steps.filter((s) => s.phase === phase);
    return groupFigures(phase, members, windowOf([...new Set(members.map((s) => s.chapter))]));
  });

  const controls = await queryRows<{
    id: string;
    name: string;
    result: string;
    note: string | null;
    by: string | null;
  }>(
    db,
    sql`select c.key as id, c.name, coalesce(cr.result, 'OPEN') as result, cr.note, cr.changed_by_name as by
        from controls c left join control_results cr on cr.control_id = c.id and cr.iteration_id = ${found.id}
        where not c.archived order by c.sort_order, c.key`,
  );

  const people = new Map<string, Record<string, number>>();
  for (const event of accepted) {
    const who = event.actor_name || event.actor;
    const counts = people.get(who) ?? {};
    counts[event.type] = (counts[event.type] ?? 0) + 1;
    people.set(who, counts);
  }

  return {
    iteration: {
      name: found.name,
      kind: iteration?.kind ?? '',
      status: found.status,
      timeZone: found.timeZone,
      activatedAt,
      closedAt: time(iteration?.closed_at),
    },
    generatedAt: now.getTime(),
    steps,
    chapters,
    phases,
    total: groupFigures(found.name, steps, windowOf(chapterNames)),
    delays: delayCauses(steps),
    controls,
    people: [...people.entries()]
      .map(([name, byAction]) => ({
        name,
        actions: Object.values(byAction).reduce((sum, n) => sum + n, 0),
        byAction,
      }))
      .sort((a, b) => b.actions - a.actions || a.name.localeCompare(b.name)),
  };
}
