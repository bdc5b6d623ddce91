/**
 * The planner's read model: one iteration's macro-plan, phase by phase down to chapters, with each
 * chapter's planned start and end (chapter_schedules), its actual start (the first of its steps
 * started) and actual end (once every in-scope step is DONE or CANCELLED), its progress and whether
 * it is late; laid on the hour grid of the iteration's time zone. The tab's planner view and the
 * standalone HTML export both draw exactly this.
 *
 * Cost: two small queries (the iteration; the chapters with their schedule and their steps'
 * states aggregated per chapter by PostgreSQL), so 20,000 steps come back as one row per chapter.
 *
 * Late: a chapter is late when it finished after its planned end, or is not finished while the
 * reference time is past its planned end. The reference time is now, or the closing time of a
 * closed iteration. An iteration that was never activated has run nothing, so nothing in it is late.
 */
import { DateTime } from 'luxon';
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';
import {
  daysTouched,
  positionOf,
  segmentsOf,
  type DaySegment,
  type GridDay,
  type TimeSpan,
} from '../domain/hour-grid.js';
import { formatLocalTime } from './messages.js';
import { NotFoundError } from './read-models.js';

/** An instant as the planner shows it, in the iteration's time zone. */
export interface PlannerTime {
  /** ISO 8601 instant. */
  at: string;
  /** The local date-time, `2026-09-18T18:00` (what a `datetime-local` input holds). */
  local: string;
  /** `Fri 18 Sep 18:00`. */
  label: string;
}

export interface StepCounts {
  /** Steps of the chapter in scope of the iteration. */
  total: number;
  /** DONE or CANCELLED. */
  finished: number;
  inProgress: number;
  failed: number;
  onHold: number;
}

/** `no-steps`: nothing of the chapter is in scope of the iteration. */
export type ChapterState = 'no-steps' | 'not-started' | 'running' | 'finished';

interface PlannerRow {
  name: string;
  planned: { start: PlannerTime; end: PlannerTime } | null;
  actual: { start: PlannerTime | null; end: PlannerTime | null };
  steps: StepCounts;
  /** Finished steps over steps in scope, 0 … 1 (0 without steps). */
  progress: number;
  state: ChapterState;
  late: boolean;
  /** How late it finished, or how far past its planned end it is while unfinished; null when not late. */
  lateByMinutes: number | null;
  /** The row's state in words: `Late by 1 h 20 min`, `Running, 12 of 30 steps`, `Finished`, `Not planned`. */
  statusText: string;
  /**
   * The forecast window while steps are open in an active iteration (docs/time.md): from the first
   * start (actual or forecast) to the forecast end; null otherwise.
   */
  forecast: {
    start: PlannerTime;
    end: PlannerTime;
    /** Forecast end past the planned end, in whole minutes; null when within the plan or not planned. */
    lateByMinutes: number | null;
    /** Whether a step of the chapter (of the phase) is on the critical path. */
    critical: boolean;
  } | null;
  /** What to draw on the hour grid; the actual bar of a running chapter reaches the reference time. */
  segments: { planned: DaySegment[]; actual: DaySegment[]; forecast: DaySegment[] };
}

/** The live forecast's chapter windows (src/engine/forecast-view.ts), by chapter name. */
export interface PlannerForecastInput {
  chapters: ReadonlyMap<string, { start: number; end: number; openSteps: number; critical: boolean }>;
}

export type PlannerChapter = PlannerRow;

export interface PlannerPhase extends PlannerRow {
  /** How many of its chapters are late. */
  lateChapters: number;
  chapters: PlannerChapter[];
}

export interface PlannerView {
  iteration: {
    name: string;
    kind: string;
    status: 'PLANNED' | 'ACTIVE' | 'CLOSED';
    timeZone: string;
    activatedAt: PlannerTime | null;
    closedAt: PlannerTime | null;
  };
  /** When the view was computed, with the zone's abbreviation: `2026-09-19 03:12 CEST`. */
  generatedAt: { at: string; label: string };
  /** The days of the hour grid: those a plan or an actual run touches (and today while active). */
  days: GridDay[];
  /** The now line, while the iteration is active and now is on the grid. */
  now: { at: string; day: number; left: number } | null;
  phases: PlannerPhase[];
  totals: { chapters: number; scheduled: number; late: number; steps: number; finished: number };
  /** The iteration's forecast end against its latest planned chapter end, while steps are open. */
  forecast: { end: PlannerTime; plannedEnd: PlannerTime | null; lateByMinutes: number | null } | null;
}

interface ChapterRow {
  phase: string;
  chapter: string;
  planned_start: Date | string | null;
  planned_end: Date | string | null;
  total: number;
  finished: number;
  in_progress: number;
  failed: number;
  on_hold: number;
  actual_start: Date | string | null;
  last_end: Date | string | null;
}

interface IterationFacts {
  id: number;
  name: string;
  kind: string;
  status: 'PLANNED' | 'ACTIVE' | 'CLOSED';
  time_zone: string;
  activated_at: Date | string | null;
  closed_at: Date | string | null;
}

/**
 * Reads the planner of the named iteration (case-insensitive), or of the active one when null.
 * `forecastOf` gives the live forecast's chapter windows of the iteration found, when it has one.
 */
export async function loadPlannerView(
  db: Queryable,
  iterationName: string | null,
  now: Date,
  forecastOf?: (iteration: { name: string; status: string }) => Promise<PlannerForecastInput | null>,
): Promise<PlannerView> {
  const [iteration] = await queryRows<IterationFacts>(
    db,
    iterationName === null
      ? sql`select id, name, kind, status, time_zone, activated_at, closed_at from iterations where status = 'ACTIVE' and not archived`
      : sql`select id, name, kind, status, time_zone, activated_at, closed_at from iterations
            where lower(name) = lower(${iterationName.trim()}) and not archived`,
  );
  if (!iteration) {
    const known = await queryRows<{ name: string }>(
      db,
      sql`select name from iterations where not archived order by sort_order`,
    );
    throw new NotFoundError(
      iterationName === null
        ? 'No iteration is active; choose one.'
        : `There is no iteration "${iterationName}" (known: ${known.map((k) => k.name).join(', ') || 'none, import a plan first'}).`,
    );
  }
  const rows = await queryRows<ChapterRow>(
    db,
    sql`with progress as (
          select s.chapter_id,
            count(*)::int as total,
            count(*) filter (where ss.status in ('DONE', 'CANCELLED'))::int as finished,
            count(*) filter (where ss.status = 'IN_PROGRESS')::int as in_progress,
            count(*) filter (where ss.status = 'FAILED')::int as failed,
            count(*) filter (where ss.status = 'ON_HOLD')::int as on_hold,
            min(ss.started_at) as actual_start,
            max(ss.ended_at) as last_end
          from step_scope sc
          join steps s on s.id = sc.step_id and not s.archived
          left join step_states ss on ss.iteration_id = sc.iteration_id and ss.step_id = sc.step_id
          where sc.iteration_id = ${iteration.id}
          group by s.chapter_id)
        select p.name as phase, c.name as chapter, cs.planned_start, cs.planned_end,
          coalesce(g.total, 0) as total, coalesce(g.finished, 0) as finished,
          coalesce(g.in_progress, 0) as in_progress, coalesce(g.failed, 0) as failed,
          coalesce(g.on_hold, 0) as on_hold, g.actual_start, g.last_end
        from chapters c
        join phases p on p.id = c.phase_id
        left join chapter_schedules cs on cs.chapter_id = c.id and cs.iteration_id = ${iteration.id}
        left join progress g on g.chapter_id = c.id
        where not c.archived
        order by p.sort_order, p.id, c.sort_order, c.id`,
  );
  const forecast = forecastOf ? await forecastOf(iteration) : null;
  return buildPlannerView(iteration, rows, now, forecast);
}

function buildPlannerView(
  iteration: IterationFacts,
  rows: readonly ChapterRow[],
  now: Date,
  forecastInput: PlannerForecastInput | null,
): PlannerView {
  const zone = iteration.time_zone;
  const timeOf = (at: Date | null): PlannerTime | null => {
    if (!at) return null;
    const local = DateTime.fromJSDate(at, { zone }).setLocale('en-GB');
    return {
      at: at.toISOString(),
      local: local.toFormat("yyyy-MM-dd'T'HH:mm"),
      label: local.toFormat('ccc d LLL HH:mm'),
    };
  };
  const closedAt = toDate(iteration.closed_at);
  const reference = iteration.status === 'CLOSED' && closedAt ? closedAt.getTime() : now.getTime();
  const hasRun = iteration.status !== 'PLANNED';

  interface Facts {
    name: string;
    phase: string;
    planned: TimeSpan | null;
    actualStart: number | null;
    actualEnd: number | null;
    steps: StepCounts;
    forecast: { start: number; end: number; critical: boolean } | null;
  }
  const chapters: Facts[] = rows.map((row) => {
    const plannedStart = toDate(row.planned_start);
    const plannedEnd = toDate(row.planned_end);
    const finished = row.total > 0 && row.finished === row.total;
    return {
      name: row.chapter,
      phase: row.phase,
      planned:
        plannedStart && plannedEnd ? { start: plannedStart.getTime(), end: plannedEnd.getTime() } : null,
      actualStart: toDate(row.actual_start)?.getTime() ?? null,
      actualEnd: finished ? (toDate(row.last_end)?.getTime() ?? null) : null,
      steps: {
        total: row.total,
        finished: row.finished,
        inProgress: row.in_progress,
        failed: row.failed,
        onHold: row.on_hold,
      },
      forecast: forecastSpanOf(forecastInput?.chapters.get(row.chapter)),
    };
  });

  // A running chapter's actual bar reaches the reference time; a finished one its last end.
  const actualSpan = (facts: Pick<Facts, 'actualStart' | 'actualEnd'>): TimeSpan | null =>
    facts.actualStart === null
      ? null
      : { start: facts.actualStart, end: Math.max(facts.actualStart, facts.actualEnd ?? reference) };
  const spans: TimeSpan[] = [];
  for (const facts of chapters) {
    if (facts.planned) spans.push(facts.planned);
    const actual = actualSpan(facts);
    if (actual) spans.push(actual);
    if (facts.forecast) spans.push(facts.forecast);
  }
  const days = daysTouched(spans, iteration.status === 'ACTIVE' ? [now.getTime()] : [], zone);

  const rowOf = (facts: Facts): PlannerRow => {
    const { steps, planned } = facts;
    const state: ChapterState =
      steps.total === 0
        ? 'no-steps'
        : steps.finished === steps.total
          ? 'finished'
          : facts.actualStart === null
            ? 'not-started'
            : 'running';
    let lateByMs: number | null = null;
    if (hasRun && planned && steps.total > 0) {
      const endOrReference = state === 'finished' ? (facts.actualEnd ?? reference) : reference;
      if (endOrReference > planned.end) lateByMs = endOrReference - planned.end;
    }
    const actual = actualSpan(facts);
    const lateByMinutes = lateByMs === null ? null : Math.round(lateByMs / 60_000);
    return {
      name: facts.name,
      planned: planned
        ? { start: timeOf(new Date(planned.start))!, end: timeOf(new Date(planned.end))! }
        : null,
      actual: {
        start: timeOf(facts.actualStart === null ? null : new Date(facts.actualStart)),
        end: timeOf(facts.actualEnd === null ? null : new Date(facts.actualEnd)),
      },
      steps,
      progress: steps.total === 0 ? 0 : steps.finished / steps.total,
      state,
      late: lateByMs !== null,
      lateByMinutes,
      statusText: describeState(state, steps, planned !== null, lateByMinutes, iteration.name),
      forecast: facts.forecast
        ? {
            start: timeOf(new Date(facts.forecast.start))!,
            end: timeOf(new Date(facts.forecast.end))!,
            lateByMinutes: lateMinutes(facts.forecast.end, planned),
            critical: facts.forecast.critical,
          }
        : null,
      segments: {
        planned: planned ? segmentsOf(planned, days) : [],
        actual: actual ? segmentsOf(actual, days) : [],
        forecast: facts.forecast ? segmentsOf(facts.forecast, days) : [],
      },
    };
  };

  const phaseNames = [...new Set(chapters.map((c) => c.phase))];
  const phases: PlannerPhase[] = phaseNames.map((phase) => {
    const own = chapters.filter((c) => c.phase === phase);
    const chapterRows = own.map(rowOf);
    const plannedSpans = own.flatMap((c) => (c.planned ? [c.planned] : []));
    const withSteps = own.filter((c) => c.steps.total > 0);
    const starts = own.flatMap((c) => (c.actualStart === null ? [] : [c.actualStart]));
    const allFinished = withSteps.length > 0 && withSteps.every((c) => c.actualEnd !== null);
    const sum = (key: keyof StepCounts) => own.reduce((total, c) => total + c.steps[key], 0);
    const forecasts = own.flatMap((c) => (c.forecast ? [c.forecast] : []));
    const aggregate = rowOf({
      name: phase,
      phase,
      planned:
        plannedSpans.length === 0
          ? null
          : {
              start: Math.min(...plannedSpans.map((s) => s.start)),
              end: Math.max(...plannedSpans.map((s) => s.end)),
            },
      actualStart: starts.length === 0 ? null : Math.min(...starts),
      actualEnd: allFinished ? Math.max(...withSteps.map((c) => c.actualEnd!)) : null,
      steps: {
        total: sum('total'),
        finished: sum('finished'),
        inProgress: sum('inProgress'),
        failed: sum('failed'),
        onHold: sum('onHold'),
      },
      forecast:
        forecasts.length === 0
          ? null
          : {
              start: Math.min(...forecasts.map((f) => f.start)),
              end: Math.max(...forecasts.map((f) => f.end)),
              critical: forecasts.some((f) => f.critical),
            },
    });
    const lateChapters = chapterRows.filter((c) => c.late).length;
    // A phase is late as soon as one of its chapters is: that is what a manager needs to see first.
    return {
      ...aggregate,
      late: aggregate.late || lateChapters > 0,
      lateChapters,
      chapters: chapterRows,
    };
  });

  const nowOnGrid = iteration.status === 'ACTIVE' ? positionOf(now.getTime(), days) : null;
  const allChapters = phases.flatMap((p) => p.chapters);
  const forecastEnds = chapters.flatMap((c) => (c.forecast ? [c.forecast.end] : []));
  const plannedEnds = chapters.flatMap((c) => (c.planned ? [c.planned.end] : []));
  const plannedEnd = plannedEnds.length === 0 ? null : Math.max(...plannedEnds);
  const forecastEnd = forecastEnds.length === 0 ? null : Math.max(...forecastEnds);
  return {
    iteration: {
      name: iteration.name,
      kind: iteration.kind,
      status: iteration.status,
      timeZone: zone,
      activatedAt: timeOf(toDate(iteration.activated_at)),
      closedAt: timeOf(closedAt),
    },
    generatedAt: { at: now.toISOString(), label: formatLocalTime(now, zone) },
    days,
    now: nowOnGrid ? { at: now.toISOString(), ...nowOnGrid } : null,
    phases,
    totals: {
      chapters: allChapters.length,
      scheduled: allChapters.filter((c) => c.planned).length,
      late: allChapters.filter((c) => c.late).length,
      steps: allChapters.reduce((total, c) => total + c.steps.total, 0),
      finished: allChapters.reduce((total, c) => total + c.steps.finished, 0),
    },
    forecast:
      forecastEnd === null
        ? null
        : {
            end: timeOf(new Date(forecastEnd))!,
            plannedEnd: plannedEnd === null ? null : timeOf(new Date(plannedEnd)),
            lateByMinutes: lateMinutes(forecastEnd, plannedEnd === null ? null : { end: plannedEnd }),
          },
  };
}

/** A chapter's forecast span while it has open steps; a finished chapter's actual says it all. */
function forecastSpanOf(
  window: { start: number; end: number; openSteps: number; critical: boolean } | undefined,
): { start: number; end: number; critical: boolean } | null {
  if (!window || window.openSteps === 0) return null;
  return { start: window.start, end: Math.max(window.start, window.end), critical: window.critical };
}

function lateMinutes(end: number, planned: { end: number } | null): number | null {
  return planned && end > planned.end ? Math.ceil((end - planned.end) / 60_000) : null;
}

/** `95` → `1 h 35 min`, `3000` → `2 d 2 h`: how long, as a pilot says it. */
export function formatMinutes(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return rest > 0 ? `${hours} h ${rest} min` : `${hours} h`;
  return `${rest} min`;
}

function describeState(
  state: ChapterState,
  steps: StepCounts,
  planned: boolean,
  lateByMinutes: number | null,
  iteration: string,
): string {
  const parts: string[] = [];
  if (state === 'no-steps') parts.push(`No steps in ${iteration}`);
  else if (state === 'finished') parts.push('Finished');
  else if (state === 'not-started') parts.push('Not started');
  else parts.push(`Running, ${steps.finished} of ${steps.total} steps done`);
  if (steps.failed > 0) parts.push(`${steps.failed} failed`);
  if (steps.onHold > 0) parts.push(`${steps.onHold} on hold`);
  if (!planned) parts.push('not planned');
  const text = parts.join(', ');
  return lateByMinutes === null
    ? text
    : `Late by ${formatMinutes(lateByMinutes)}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}
