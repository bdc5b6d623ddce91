/**
 * The forecast as the tab shows it: the iteration's and each chapter's forecast end against the
 * plan, the critical path, and each step's forecast window, read from the live forecast
 * (`engine.forecasts`, `src/engine/forecast-service.ts`). Times are given as instants and as local
 * text in the iteration's time zone, as everywhere else.
 *
 * Only an ACTIVE iteration has a forecast: a planned one has not run (every step would start "now"),
 * and a closed one has nothing left to forecast.
 */
import { sql } from '../db/orm.js';
import { queryRows } from '../db/client.js';
import { describeDurationBasis, type DurationBasis } from '../domain/duration-basis.js';
import type { ForecastDurations, LiveForecast } from './forecast-service.js';
import { loadLearnedDurations } from './rehearsal-comparison.js';
import type { Engine, IterationRow } from './engine.js';
import { formatLocalTime } from './messages.js';
import type { PlanSnapshot } from './plan-snapshot.js';

/** An instant, and the same as `2026-12-06 02:30 CET` in the iteration's time zone. */
export interface ForecastMoment {
  at: string;
  local: string;
}

export interface ChapterForecast {
  name: string;
  phase: string;
  start: ForecastMoment;
  end: ForecastMoment;
  plannedEnd: ForecastMoment | null;
  /** Forecast end past the planned end, in whole minutes (rounded up); null when within the plan or not planned. */
  lateByMinutes: number | null;
  /** In-scope steps not finished yet. */
  openSteps: number;
  /** Whether a step of the chapter is on the critical path. */
  critical: boolean;
}

export interface CriticalStep {
  id: string;
  title: string;
  team: string;
  chapter: string;
  start: ForecastMoment;
  end: ForecastMoment;
}

/** The iteration's forecast, for the board's header and the planner. */
export interface IterationForecastView {
  iteration: string;
  timeZone: string;
  /** The clock the forecast was computed at (to the minute). */
  asOf: ForecastMoment;
  /** The iteration's forecast end; null when nothing is in scope. */
  end: ForecastMoment | null;
  /** The latest planned chapter end; null when no chapter is scheduled. */
  plannedEnd: ForecastMoment | null;
  lateByMinutes: number | null;
  openSteps: number;
  /** Chapters with in-scope steps, in plan order. */
  chapters: ChapterForecast[];
  /** The remaining chain that ends last, first step first; empty when every step is finished. */
  criticalPath: CriticalStep[];
  /** Which durations the forecast uses: the iteration's duration basis and how it is said. */
  durations: { basis: 'indicative' | 'learned'; label: string };
}

/** One step's forecast window, and whether it is on the critical path. */
export interface StepForecast {
  start: ForecastMoment;
  end: ForecastMoment;
  finished: boolean;
  critical: boolean;
  /** The unfinished predecessor whose forecast end sets this step's start, if one does. */
  waitsFor: string | null;
}

/**
 * The live forecast of `iteration` when it is ACTIVE, else null. Reads through the engine's pool;
 * cheap once built (see ForecastService).
 */
export async function liveForecastOf(
  engine: Engine,
  iteration: IterationRow,
  now: Date,
  snapshot?: PlanSnapshot,
): Promise<LiveForecast | null> {
  if (iteration.status !== 'ACTIVE') return null;
  const plan = snapshot ?? (await engine.snapshot());
  return engine.forecasts.forecastOf(engine.database.db, plan, iteration, now);
}

/**
 * Which durations the forecast of `iteration` uses, and how that is said ("learned durations from
 * Run0–DR1"): from the live forecast when the iteration is active, else from the stored basis (a
 * planned iteration shows what its forecast will use once active).
 */
export async function forecastDurationsOf(
  engine: Engine,
  iteration: IterationRow,
  now: Date,
): Promise<ForecastDurations> {
  const live = await liveForecastOf(engine, iteration, now);
  if (live) return live.durations;
  const db = engine.database.db;
  const [row] = await queryRows<{ basis: DurationBasis }>(
    db,
    sql`select duration_basis as basis from iterations where id = ${iteration.id}`,
  );
  const basis = row?.basis ?? 'indicative';
  const from =
    basis === 'learned' ? (await loadLearnedDurations(db, await engine.snapshot(), iteration.id)).from : [];
  return { basis, from, label: describeDurationBasis(basis, from) };
}

/** The iteration's forecast view from a live forecast. */
export function iterationForecastView(live: LiveForecast): IterationForecastView {
  const { forecast, snapshot, iteration } = live;
  const moment = (ms: number) => momentOf(ms, iteration.timeZone);
  const path = forecast.criticalPath();
  const windows = chapterForecastWindows(live);
  const chapters: ChapterForecast[] = [];
  live.chapters.forEach((chapter) => {
    const window = windows.get(chapter.name);
    if (!window) return;
    const plannedEnd = chapter.planned?.end.getTime() ?? null;
    chapters.push({
      name: chapter.name,
      phase: chapter.phase,
      start: moment(window.start),
      end: moment(window.end),
      plannedEnd: plannedEnd === null ? null : moment(plannedEnd),
      lateByMinutes: lateBy(window.end, plannedEnd),
      openSteps: window.openSteps,
      critical: window.critical,
    });
  });
  const plannedEnds = live.chapters.flatMap((c) => (c.planned ? [c.planned.end.getTime()] : []));
  const plannedEnd = plannedEnds.length > 0 ? Math.max(...plannedEnds) : null;
  const window = forecast.iteration();
  return {
    iteration: iteration.name,
    timeZone: iteration.timeZone,
    asOf: moment(forecast.now),
    end: window ? moment(window.end) : null,
    plannedEnd: plannedEnd === null ? null : moment(plannedEnd),
    lateByMinutes: window ? lateBy(window.end, plannedEnd) : null,
    openSteps: window?.openSteps ?? 0,
    durations: { basis: live.durations.basis, label: live.durations.label },
    chapters,
    criticalPath: path.map((index) => {
      const step = snapshot.steps[index]!;
      return {
        id: step.key,
        title: step.title,
        team: step.team,
        chapter: step.chapter,
        start: moment(forecast.startOf(index)),
        end: moment(forecast.endOf(index)),
      };
    }),
  };
}

/**
 * Each in-scope step's forecast by step key, for annotating a list; `keys` limits it to those
 * steps. The critical set is computed once.
 */
export function stepForecasts(live: LiveForecast, keys: readonly string[]): Map<string, StepForecast> {
  const critical = live.forecast.criticalSet();
  const result = new Map<string, StepForecast>();
  for (const key of keys) {
    const index = live.snapshot.indexOfKey(key);
    if (index === undefined) continue;
    const forecast = stepForecastAt(live, index, critical);
    if (forecast) result.set(key, forecast);
  }
  return result;
}

/** One step's forecast, or null when the step is out of scope. */
export function stepForecastAt(
  live: LiveForecast,
  index: number,
  critical: ReadonlySet<number> = live.forecast.criticalSet(),
): StepForecast | null {
  const { forecast, snapshot, iteration } = live;
  const start = forecast.startOf(index);
  if (Number.isNaN(start)) return null;
  const driver = forecast.driverOf(index);
  return {
    start: momentOf(start, iteration.timeZone),
    end: momentOf(forecast.endOf(index), iteration.timeZone),
    finished: forecast.isFinished(index),
    critical: critical.has(index),
    waitsFor: driver < 0 ? null : snapshot.steps[driver]!.key,
  };
}

function momentOf(ms: number, timeZone: string): ForecastMoment {
  const at = new Date(ms);
  return { at: at.toISOString(), local: formatLocalTime(at, timeZone) };
}

function lateBy(end: number, plannedEnd: number | null): number | null {
  if (plannedEnd === null || end <= plannedEnd) return null;
  return Math.ceil((end - plannedEnd) / 60_000);
}

/** Each chapter's forecast window by name, with whether it holds a critical step (for the planner). */
export function chapterForecastWindows(
  live: LiveForecast,
): Map<string, { start: number; end: number; openSteps: number; critical: boolean }> {
  const criticalChapters = new Set(live.forecast.criticalPath().map((i) => live.snapshot.steps[i]!.chapter));
  const windows = new Map<string, { start: number; end: number; openSteps: number; critical: boolean }>();
  live.chapters.forEach((chapter, index) => {
    const window = live.forecast.chapter(index);
    if (window) windows.set(chapter.name, { ...window, critical: criticalChapters.has(chapter.name) });
  });
  return windows;
}
