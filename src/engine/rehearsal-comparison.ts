/**
 * The comparison across iterations (Run0 … Cutover, in plan order): per step and per chapter, the
 * actual durations side by side, the trend and a re-estimated duration (the median of the actuals;
 * see `src/domain/report-figures.ts`). A step's actual is start to end of a DONE step; a chapter's
 * is its first start to its last end, once each of its steps in scope is finished.
 */
import { sql } from '../db/orm.js';
import { queryRows, toDate } from '../db/client.js';
import { comparisonRow, type ComparisonRow } from '../domain/report-figures.js';
import type { Engine } from './engine.js';

export interface RehearsalComparison {
  iterations: string[];
  steps: ComparisonRow[];
  chapters: ComparisonRow[];
}

const MINUTE = 60_000;

/** Loads the comparison of every iteration that has started (activated at least once). */
export async function loadRehearsalComparison(engine: Engine): Promise<RehearsalComparison> {
  const db = engine.database.db;
  const iterations = await queryRows<{ id: number; name: string }>(
    db,
    sql`select id, name from iterations where not archived and activated_at is not null order by sort_order, id`,
  );
  const rows = await queryRows<{
    iteration_id: number;
    step_id: number;
    status: string;
    started_at: Date | string | null;
    ended_at: Date | string | null;
  }>(
    db,
    sql`select ss.iteration_id, ss.step_id, ss.status, ss.started_at, ss.ended_at from step_states ss
        join iterations i on i.id = ss.iteration_id where not i.archived and i.activated_at is not null`,
  );
  const snapshot = await engine.snapshot();
  const durations = await queryRows<{ id: number; duration: number | null }>(
    db,
    sql`select id, duration_minutes as duration from steps where not archived`,
  );
  const plannedOf = new Map(durations.map((row) => [row.id, row.duration]));
  const stateOf = new Map(rows.map((row) => [`${row.iteration_id}:${row.step_id}`, row]));
  const time = (value: Date | string | null) => toDate(value)?.getTime() ?? null;

  const steps: ComparisonRow[] = [];
  const chapterSpans = new Map<
    string,
    { starts: (number | null)[]; ends: (number | null)[]; open: boolean[] }
  >();
  snapshot.steps.forEach((step, index) => {
    const actuals = iterations.map((iteration, i) => {
      const chapter = chapterSpans.get(step.chapter) ?? {
        starts: iterations.map(() => null),
        ends: iterations.map(() => null),
        open: iterations.map(() => false),
      };
      chapterSpans.set(step.chapter, chapter);
      if (!snapshot.scopeOf(iteration.id).isInScope(index)) return null;
      const state = stateOf.get(`${iteration.id}:${step.dbId}`);
      const started = time(state?.started_at ?? null);
      const ended = time(state?.ended_at ?? null);
      const finished = state?.status === 'DONE' || state?.status === 'CANCELLED';
      if (!finished) chapter.open[i] = true;
      if (started !== null) chapter.starts[i] = Math.min(chapter.starts[i] ?? started, started);
      if (finished && ended !== null) chapter.ends[i] = Math.max(chapter.ends[i] ?? ended, ended);
      return state?.status === 'DONE' && started !== null && ended !== null
        ? Math.round((ended - started) / MINUTE)
        : null;
    });
    steps.push(
      comparisonRow(
        {
          name: step.key,
          title: step.title,
          chapter: step.chapter,
          plannedMinutes: plannedOf.get(step.dbId) ?? null,
        },
        actuals,
      ),
    );
  });
  const chapters = [...chapterSpans.entries()].map(([name, span]) =>
    comparisonRow(
      { name, title: name, chapter: name, plannedMinutes: null },
      iterations.map((_, i) => {
        const start = span.starts[i];
        const end = span.ends[i];
        return !span.open[i] && typeof start === 'number' && typeof end === 'number'
          ? Math.round((end - start) / MINUTE)
          : null;
      }),
    ),
  );
  return { iterations: iterations.map((i) => i.name), steps, chapters };
}
