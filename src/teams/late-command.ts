/**
 * The `late` chat command: the steps in progress past their indicative duration (late by how much,
 * now), then every other open alert of the active iteration (ready steps not started, chapters
 * forecast past their plan, failed steps, failed deliveries), then the iteration's forecast end and
 * its critical path: the pilots' "will we make it, and what is in the way?".
 */
import { listOpenAlerts } from '../engine/alert-list.js';
import type { Engine, IterationRow } from '../engine/engine.js';
import { formatLocalTime } from '../engine/messages.js';
import { findIterationByName, listLateSteps } from '../engine/read-models.js';

/** The reply to `late`. */
export async function describeLate(engine: Engine, now: Date): Promise<string> {
  const db = engine.database.db;
  const iteration = await findIterationByName(db, null);
  if (!iteration) return 'No iteration is active; a pilot activates one first.';
  const late = await listLateSteps(engine, now, iteration.name);
  // Overruns are listed from the live state above, with their current lateness.
  const alerts = (await listOpenAlerts(db, iteration.id)).filter((alert) => alert.kind !== 'step-overrun');
  const forecast = await forecastLine(engine, iteration, now);
  if (late.steps.length === 0 && alerts.length === 0)
    return [
      `Nothing is late in ${iteration.name}: no step past its indicative duration, no open alert.`,
      ...forecast,
    ].join('\n\n');
  return [
    `**Late in ${iteration.name}**`,
    ...late.steps.map(
      (s) =>
        `${s.id} · ${s.team} · late by ${s.lateByMinutes} min (planned ${s.durationMinutes}) · ${s.title}`,
    ),
    ...alerts.map((a) => `⚠️ ${a.message} · since ${formatLocalTime(a.raisedAt, iteration.timeZone)}`),
    ...forecast,
  ].join('\n\n');
}

const CRITICAL_STEPS_SHOWN = 6;

/** `Forecast: Run1 ends … (planned …); critical path TRT-1 → TRT-3 …`, while steps are open. */
async function forecastLine(engine: Engine, iteration: IterationRow, now: Date): Promise<string[]> {
  const snapshot = await engine.snapshot();
  const live = await engine.forecasts.forecastOf(engine.database.db, snapshot, iteration, now);
  const window = live.forecast.iteration();
  if (!window || window.openSteps === 0) return [];
  const time = (ms: number) => formatLocalTime(new Date(ms), iteration.timeZone);
  const plannedEnds = live.chapters.flatMap((c) => (c.planned ? [c.planned.end.getTime()] : []));
  const planned = plannedEnds.length > 0 ? ` (planned ${time(Math.max(...plannedEnds))})` : '';
  const path = live.forecast.criticalPath().map((i) => snapshot.steps[i]!.key);
  const shown = path.slice(0, CRITICAL_STEPS_SHOWN).join(' → ');
  const more = path.length > CRITICAL_STEPS_SHOWN ? ` and ${path.length - CRITICAL_STEPS_SHOWN} more` : '';
  return [`Forecast: ${iteration.name} ends ${time(window.end)}${planned}; critical path ${shown}${more}.`];
}
