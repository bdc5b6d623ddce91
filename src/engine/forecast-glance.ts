/**
 * A step's forecast at a glance, for its card: its forecast end and whether it is on the critical
 * path. Read from the forecast this instance holds in memory (`ForecastService.cached`), never from
 * the database: cards are rendered on every press. When the held forecast lags the card (another
 * status for this step) it is brought up to the card's facts for this step (a copy, when the card's
 * facts are the older ones), as the what-if does;
 * when it is missing or of an older minute, a background refresh is started for the next render.
 */
import type { StepTimingFacts } from '../domain/forecast.js';
import type { Engine, IterationRow } from './engine.js';
import type { PlanSnapshot } from './plan-snapshot.js';

export interface StepForecastGlance {
  end: Date;
  critical: boolean;
  /** Which durations the forecast uses ("indicative durations", "learned durations from …"). */
  basis: string;
}

const MINUTE = 60_000;

/**
 * The glance for step `index` with the facts the card has just read (`notBefore` is taken from
 * the forecast); null when the iteration is not active, the step is finished or out of scope, or
 * this instance holds no forecast yet.
 */
export function glanceStepForecast(
  engine: Engine,
  iteration: IterationRow,
  snapshot: PlanSnapshot,
  index: number,
  facts: Omit<StepTimingFacts, 'notBefore'>,
  now: Date,
): StepForecastGlance | null {
  if (iteration.status !== 'ACTIVE') return null;
  if (facts.status === 'DONE' || facts.status === 'CANCELLED') return null;
  const live = engine.forecasts.cached(iteration.id, snapshot.revision);
  if (!live || live.forecast.now < Math.floor(now.getTime() / MINUTE) * MINUTE)
    engine.forecasts.refreshSoon(engine.database.db, snapshot, iteration, now);
  if (!live) return null;
  let forecast = live.forecast;
  if (Number.isNaN(forecast.startOf(index))) return null;
  const held = forecast.factsOf(index);
  // The card reads the indicative duration; the forecast may use the learned one.
  const durationMinutes = live.durationOf(index, facts.durationMinutes);
  if (
    held.status !== facts.status ||
    held.startedAt !== facts.startedAt ||
    held.changedAt !== facts.changedAt ||
    held.durationMinutes !== durationMinutes
  ) {
    const update = [{ index, facts: { ...facts, durationMinutes, notBefore: held.notBefore } }];
    // Facts newer than the held ones (the press that caused this render) are what the next
    // refresh would apply from the audit log anyway, and applying them again there moves nothing:
    // they are applied to the held forecast itself. Older facts (a slow render overtaken by a
    // later change) must not take it back, so they get a copy.
    const newer = facts.changedAt !== null && (held.changedAt === null || held.changedAt < facts.changedAt);
    if (!newer) forecast = forecast.clone();
    forecast.update(update);
  }
  return {
    end: new Date(forecast.endOf(index)),
    critical: forecast.criticalSet().has(index),
    basis: live.durations.label,
  };
}
