/**
 * The comparison across iterations (Run0 … Cutover, in plan order): per step and per chapter, the
 * actual durations side by side, the trend and a re-estimated duration (the median of the actuals;
 * see `src/domain/report-figures.ts`). A step's actual is start to end of a DONE step; a chapter's
 * is its first start to its last end, once each of its steps in scope is finished. The same learned
 * durations feed the forecast of an iteration whose duration basis is `learned` (`loadLearnedDurations`).
 */
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';
import { learnedDurations } from '../domain/duration-basis.js';
import { comparisonRow, type ComparisonRow } from '../domain/report-figures.js';
import type { Engine } from './engine.js';
import type { PlanSnapshot } from './plan-snapshot.js';

export interface RehearsalComparison {
  iterations: string[];
  steps: ComparisonRow[];
  chapters: ComparisonRow[];
}

const MINUTE = 60_000;

interface StateRow {
  iteration_id: number;
  step_id: number;
  status: string;
  started_at: Date | string | null;
  ended_at: Date | string | null;
}

interface IterationRef {
  id: number;
  name: string;
}

/**
 * The started iterations (activated at least once), in plan order; with `before`, only those
 * before that iteration in plan order.
 */
async function startedIterations(db: Queryable, before?: number): Promise<IterationRef[]> {
  return queryRows<IterationRef>(
    db,
    sql`select id, name from iterations where not archived and activated_at is not null ${
      before === undefined
        ? sql``
        : sql`and (sort_order, id) < (select sort_order, id from iterations where id = ${before})`
    } order by sort_order, id`,
  );
}

/** The state rows of these iterations, by `iteration:step`. */
async function statesOf(db: Queryable, iterations: readonly IterationRef[]): Promise<Map<string, StateRow>> {
  if (iterations.length === 0) return new Map();
  const rows = await queryRows<StateRow>(
    db,
    sql`select iteration_id, step_id, status, started_at, ended_at from step_states
        where iteration_id = any(${`{${iterations.map((i) => i.id).join(',')}}`}::int[])`,
  );
  return new Map(rows.map((row) => [`${row.iteration_id}:${row.step_id}`, row]));
}

const time = (value: Date | string | null) => toDate(value)?.getTime() ?? null;

/** A step's actual minutes in one iteration: start to end of a DONE step, else null. */
function actualMinutes(state: StateRow | undefined): number | null {
  const started = time(state?.started_at ?? null);
  const ended = time(state?.ended_at ?? null);
  return state?.status === 'DONE' && started !== null && ended !== null
    ? Math.round((ended - started) / MINUTE)
    : null;
}

/** A step's actuals in each iteration (null out of scope or not DONE). */
function stepActuals(
  snapshot: PlanSnapshot,
  iterations: readonly IterationRef[],
  stateOf: ReadonlyMap<string, StateRow>,
  index: number,
): (number | null)[] {
  const step = snapshot.steps[index]!;
  return iterations.map((iteration) =>
    snapshot.scopeOf(iteration.id).isInScope(index)
      ? actualMinutes(stateOf.get(`${iteration.id}:${step.dbId}`))
      : null,
  );
}

/**
 * The learned duration of every step for the forecast of iteration `iterationId` (by step index):
 * the median of its actuals in the started iterations before it in plan order, as the comparison
 * computes it; `from` names those iterations that have at least one actual.
 */
export async function loadLearnedDurations(
  db: Queryable,
  snapshot: PlanSnapshot,
  iterationId: number,
): Promise<{ from: string[]; minutes: (number | null)[] }> {
  const earlier = await startedIterations(db, iterationId);
  const stateOf = await statesOf(db, earlier);
  const actuals = snapshot.steps.map((_, index) => stepActuals(snapshot, earlier, stateOf, index));
  return {
    from: earlier.filter((_, i) => actuals.some((row) => row[i] !== null)).map((i) => i.name),
    minutes: learnedDurations(actuals),
  };
}

/** Loads the comparison of every iteration that has started (activated at least once). */
export async function loadRehearsalComparison(engine: Engine): Promise<RehearsalComparison> {
  const db = engine.database.db;
  const iterations = await startedIterations(db);
  const stateOf = await statesOf(db, iterations);
  const snapshot = await engine.snapshot();
  const durations = await queryRows<{ id: number; duration: number | null }>(
    db,
    sql`select id, duration_minutes as duration from steps where not archived`,
  );
  const plannedOf = new Map(durations.map((row) => [row.id, row.duration]));

  const steps: ComparisonRow[] = [];
  const chapterSpans = new Map<
    string,
    { starts: (number | null)[]; ends: (number | null)[]; open: boolean[] }
  >();
  snapshot.steps.forEach((step, index) => {
    const chapter = chapterSpans.get(step.chapter) ?? {
      starts: iterations.map(() => null),
      ends: iterations.map(() => null),
      open: iterations.map(() => false),
    };
    chapterSpans.set(step.chapter, chapter);
    iterations.forEach((iteration, i) => {
      if (!snapshot.scopeOf(iteration.id).isInScope(index)) return;
      const state = stateOf.get(`${iteration.id}:${step.dbId}`);
      const started = time(state?.started_at ?? null);
      const ended = time(state?.ended_at ?? null);
      const finished = state?.status === 'DONE' || state?.status === 'CANCELLED';
      if (!finished) chapter.open[i] = true;
      if (started !== null) chapter.starts[i] = Math.min(chapter.starts[i] ?? started, started);
      if (finished && ended !== null) chapter.ends[i] = Math.max(chapter.ends[i] ?? ended, ended);
    });
    steps.push(
      comparisonRow(
        {
          name: step.key,
          title: step.title,
          chapter: step.chapter,
          plannedMinutes: plannedOf.get(step.dbId) ?? null,
        },
        stepActuals(snapshot, iterations, stateOf, index),
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
