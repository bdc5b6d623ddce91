/**
 * The live forecast of an iteration (`src/domain/forecast.ts`), kept per service instance and
 * brought up to date on each read:
 *
 * - built in full from the database the first time, and again after an import (new plan revision)
 *   or an activation;
 * - then, on each read, the steps whose state changed since (found in the audit log: every step
 *   transition appends a `step.<action>` event, whichever instance ran it) are re-read and applied
 *   with `IterationForecast.update`, which recomputes only their successors' cone;
 * - the clock is taken to the minute: a new minute recomputes the whole forecast (a few ms at
 *   20,000 steps, see bench/forecast.ts), reads within a minute stay incremental.
 *
 * The iteration's duration basis (`iterations.duration_basis`, `src/domain/duration-basis.ts`) is read
 * at each build: with `learned`, the learned durations are computed once per build (one read of the
 * earlier iterations' actuals) and every fact the forecast is given carries them. Setting the basis
 * appends an `iteration.*` event, so the next read rebuilds.
 *
 * Nothing here writes; reads go through the database handle given (a transaction, or the pool).
 */
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';
import { describeDurationBasis, forecastDuration, type DurationBasis } from '../domain/duration-basis.js';
import { IterationForecast, openStepFacts, type StepTimingFacts } from '../domain/forecast.js';
import { WORK_ACTIONS, type WorkStatus } from '../domain/statuses.js';
import type { IterationRow } from './engine.js';
import type { PlanSnapshot } from './plan-snapshot.js';
import { loadLearnedDurations } from './rehearsal-comparison.js';

export interface ForecastChapter {
  dbId: number;
  name: string;
  phase: string;
  /** The chapter's planned window in this iteration (`chapter_schedules`), if scheduled. */
  planned: { start: Date; end: Date } | null;
}

/** An up-to-date forecast with what is needed to name its chapters and phases. */
export interface LiveForecast {
  iteration: IterationRow;
  snapshot: PlanSnapshot;
  forecast: IterationForecast;
  /** By the chapter index the forecast uses. */
  chapters: readonly ForecastChapter[];
  phases: readonly string[];
  chapterIndexOf(name: string): number | undefined;
  /** The step's fixed start in this iteration, if any. */
  notBeforeOf(index: number): Date | null;
  /** Which durations the forecast uses; `label` says it ("learned durations from Run0–DR1"). */
  durations: ForecastDurations;
  /** The duration the forecast uses for step `index`, whose indicative duration is `indicative`. */
  durationOf(index: number, indicative: number | null): number | null;
}

export interface ForecastDurations {
  basis: DurationBasis;
  /** With `learned`: the earlier iterations whose actuals it learned from, in plan order. */
  from: string[];
  label: string;
}

interface CacheEntry {
  live: LiveForecast;
  revision: number;
  /** The audit sequence the forecast has seen. */
  seenSeq: number;
}

export interface ForecastServiceOptions {
  /** How long a hold is assumed to last in the forecast (`RUNSHEET_FORECAST_HOLD_MINUTES`). */
  holdAllowanceMinutes: number;
}

/** Above this many changed steps, a full rebuild is cheaper than reading them one by one. */
const MAX_INCREMENTAL_STEPS = 2_000;
const MINUTE = 60_000;
const STEP_EVENT_TYPES = WORK_ACTIONS.map((action) => `step.${action}`);

/** Caches one live forecast per iteration; see the file comment. */
export class ForecastService {
  readonly #entries = new Map<number, CacheEntry>();
  readonly #options: ForecastServiceOptions;
  /** Iterations with a background refresh under way (`refreshSoon`). */
  readonly #refreshing = new Set<number>();

  constructor(options: ForecastServiceOptions) {
    this.#options = options;
  }

  get holdAllowanceMinutes(): number {
    return this.#options.holdAllowanceMinutes;
  }

  /**
   * The forecast as this instance last read it, without touching the database: for the cards,
   * rendered on every press, where a database round trip is not welcome. It may lag the newest
   * changes by up to the alert scan's interval (or the last read by anyone); undefined when this
   * instance has none for the plan revision.
   */
  cached(iterationId: number, revision: number): LiveForecast | undefined {
    const entry = this.#entries.get(iterationId);
    return entry && entry.revision === revision ? entry.live : undefined;
  }

  /**
   * Brings the forecast up to date in the background (one refresh per iteration at a time), for
   * the next `cached` read. Failures are left to the next read: the forecast is a courtesy here.
   */
  refreshSoon(db: Queryable, snapshot: PlanSnapshot, iteration: IterationRow, now: Date): void {
    if (this.#refreshing.has(iteration.id)) return;
    this.#refreshing.add(iteration.id);
    this.forecastOf(db, snapshot, iteration, now)
      .catch(() => undefined)
      .finally(() => this.#refreshing.delete(iteration.id));
  }

  /**
   * The forecast of `iteration` as of `now` (taken to the minute), read through `db`. `snapshot`
   * is the plan snapshot of the current revision (`Engine.snapshot(db)`).
   */
  async forecastOf(
    db: Queryable,
    snapshot: PlanSnapshot,
    iteration: IterationRow,
    now: Date,
  ): Promise<LiveForecast> {
    const minute = Math.floor(now.getTime() / MINUTE) * MINUTE;
    const [head] = await queryRows<{ seq: number | string }>(
      db,
      sql`select seq from audit_head where id = 1`,
    );
    const headSeq = Number(head?.seq ?? 0);
    const cached = this.#entries.get(iteration.id);
    if (
      cached &&
      cached.revision === snapshot.revision &&
      cached.live.iteration.status === iteration.status
    ) {
      if (cached.seenSeq < headSeq) {
        const changed = await changedSteps(db, iteration.name, cached.seenSeq);
        if (changed.rebuild || changed.stepDbIds.length > MAX_INCREMENTAL_STEPS) {
          return this.#build(db, snapshot, iteration, minute, headSeq);
        }
        const facts = await loadFacts(db, iteration.id, changed.stepDbIds);
        // Concurrent reads (the alert scan, a chat command) may overtake each other across the
        // awaits above: the one that saw the later audit head wins, an older one applies nothing.
        // From here to the end of the block nothing awaits, so the check and the update are atomic.
        if (cached.seenSeq < headSeq) {
          const updates = [];
          for (const [dbId, stepFacts] of facts) {
            const index = snapshot.indexOfDbId(dbId);
            if (index === undefined) continue;
            const durationMinutes = cached.live.durationOf(index, stepFacts.durationMinutes);
            updates.push({ index, facts: { ...stepFacts, durationMinutes } });
          }
          cached.live.forecast.update(updates);
          cached.seenSeq = headSeq;
        }
      }
      if (cached.live.forecast.now !== minute) cached.live.forecast.setNow(minute);
      return cached.live;
    }
    return this.#build(db, snapshot, iteration, minute, headSeq);
  }

  async #build(
    db: Queryable,
    snapshot: PlanSnapshot,
    iteration: IterationRow,
    now: number,
    headSeq: number,
  ): Promise<LiveForecast> {
    const chapterRows = await queryRows<{
      id: number;
      name: string;
      phase: string;
      planned_start: Date | string | null;
      planned_end: Date | string | null;
    }>(
      db,
      sql`select c.id, c.name, p.name as phase, cs.planned_start, cs.planned_end
          from chapters c join phases p on p.id = c.phase_id
          left join chapter_schedules cs on cs.chapter_id = c.id and cs.iteration_id = ${iteration.id}
          where not c.archived order by p.sort_order, c.sort_order, c.id`,
    );
    const phases = [...new Set(chapterRows.map((row) => row.phase))];
    const chapters: ForecastChapter[] = chapterRows.map((row) => {
      const start = toDate(row.planned_start);
      const end = toDate(row.planned_end);
      return {
        dbId: row.id,
        name: row.name,
        phase: row.phase,
        planned: start && end ? { start, end } : null,
      };
    });
    const chapterIndex = new Map(chapters.map((chapter, index) => [chapter.name, index]));
    const facts = await loadFacts(db, iteration.id, null);
    const [basisRow] = await queryRows<{ basis: DurationBasis }>(
      db,
      sql`select duration_basis as basis from iterations where id = ${iteration.id}`,
    );
    const basis = basisRow?.basis ?? 'indicative';
    const learned =
      basis === 'learned'
        ? await loadLearnedDurations(db, snapshot, iteration.id)
        : { from: [], minutes: [] as (number | null)[] };
    const durationOf = (index: number, indicative: number | null) =>
      forecastDuration(basis, indicative, learned.minutes[index] ?? null);
    const stepFacts: StepTimingFacts[] = snapshot.steps.map((step, index) => {
      const known = facts.get(step.dbId);
      return {
        ...(known ?? openStepFacts(null)),
        durationMinutes: durationOf(index, known?.durationMinutes ?? null),
      };
    });
    const forecast = new IterationForecast(
      snapshot.scopeOf(iteration.id),
      stepFacts,
      {
        chapterOf: Int32Array.from(snapshot.steps.map((step) => chapterIndex.get(step.chapter) ?? 0)),
        phaseOfChapter: Int32Array.from(chapters.map((chapter) => phases.indexOf(chapter.phase))),
      },
      now,
      { holdAllowanceMinutes: this.#options.holdAllowanceMinutes },
    );
    const live: LiveForecast = {
      iteration,
      snapshot,
      forecast,
      chapters,
      phases,
      chapterIndexOf: (name) => chapterIndex.get(name),
      notBeforeOf: (index) => {
        const notBefore = forecast.factsOf(index).notBefore;
        return notBefore === null ? null : new Date(notBefore);
      },
      durations: { basis, from: learned.from, label: describeDurationBasis(basis, learned.from) },
      durationOf,
    };
    this.#entries.set(iteration.id, { live, revision: snapshot.revision, seenSeq: headSeq });
    return live;
  }
}

/** The steps of an iteration whose state changed after audit event `afterSeq`. */
async function changedSteps(
  db: Queryable,
  iterationName: string,
  afterSeq: number,
): Promise<{ rebuild: boolean; stepDbIds: number[] }> {
  const rows = await queryRows<{ type: string; step_id: number | null }>(
    db,
    sql`select distinct e.type, s.id as step_id from audit_events e left join steps s on s.key = e.subject
        where e.seq > ${afterSeq} and e.iteration = ${iterationName}
          and (e.type in (${sql.join(
            STEP_EVENT_TYPES.map((type) => sql`${type}`),
            sql`, `,
          )}) or e.type like 'iteration.%')`,
  );
  const rebuild = rows.some((row) => row.type.startsWith('iteration.'));
  const stepDbIds = [...new Set(rows.flatMap((row) => (row.step_id === null ? [] : [row.step_id])))];
  return { rebuild, stepDbIds };
}

/** Timing facts of the iteration's steps (all of them when `stepDbIds` is null), by step id. */
async function loadFacts(
  db: Queryable,
  iterationId: number,
  stepDbIds: readonly number[] | null,
): Promise<Map<number, StepTimingFacts>> {
  if (stepDbIds?.length === 0) return new Map();
  const rows = await queryRows<{
    id: number;
    duration: number | null;
    status: WorkStatus | null;
    held_from: WorkStatus | null;
    started_at: Date | string | null;
    ended_at: Date | string | null;
    changed_at: Date | string | null;
    not_before: Date | string | null;
  }>(
    db,
    sql`select s.id, s.duration_minutes as duration, ss.status, ss.held_from, ss.started_at, ss.ended_at,
          ss.changed_at, fs.not_before
        from steps s
        left join step_states ss on ss.step_id = s.id and ss.iteration_id = ${iterationId}
        left join step_fixed_starts fs on fs.step_id = s.id and fs.iteration_id = ${iterationId}
        where not s.archived ${
          stepDbIds === null ? sql`` : sql`and s.id = any(${`{${stepDbIds.join(',')}}`}::int[])`
        }`,
  );
  const time = (value: Date | string | null) => toDate(value)?.getTime() ?? null;
  return new Map(
    rows.map((row) => [
      row.id,
      {
        status: row.status ?? 'OPEN',
        heldFrom: row.held_from,
        startedAt: time(row.started_at),
        endedAt: time(row.ended_at),
        changedAt: time(row.changed_at),
        durationMinutes: row.duration,
        notBefore: time(row.not_before),
      },
    ]),
  );
}
