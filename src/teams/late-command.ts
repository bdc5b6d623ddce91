/**
 * The `late` chat command: the steps in progress past their indicative duration (late by how much,
 * now), then every other open alert of the active iteration (ready steps not started, chapters
 * forecast past their plan, failed steps, failed deliveries).
 */
import { listOpenAlerts } from '../engine/alert-list.js';
import type { Engine } from '../engine/engine.js';
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
  if (late.steps.length === 0 && alerts.length === 0)
    return `Nothing is late in ${iteration.name}: no step past its indicative duration, no open alert.`;
  return [
    `**Late in ${iteration.name}**`,
    ...late.steps.map(
      (s) =>
        `${s.id} · ${s.team} · late by ${s.lateByMinutes} min (planned ${s.durationMinutes}) · ${s.title}`,
    ),
    ...alerts.map((a) => `⚠️ ${a.message} · since ${formatLocalTime(a.raisedAt, iteration.timeZone)}`),
  ].join('\n\n');
}
