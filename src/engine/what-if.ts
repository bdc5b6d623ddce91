/**
 * What-if: the effect of a step action on the forecast, before anything changes (`hold TRT-123?`,
 * the pilot's Hold confirmation card). It reads the live forecast, applies the action's outcome to a
 * copy (`IterationForecast.clone` + `update`) and compares. Nothing is written, not even an audit
 * event: the door that asked records what it received (`chat.command`), and the confirmed action
 * records the forecast that was shown (`Command.forecastSeen`, in the audit event's details).
 */
import { parseAnyId } from '../domain/ids.js';
import type { StepTimingFacts } from '../domain/forecast.js';
import { isFinished, type WorkAction } from '../domain/statuses.js';
import { decideWorkTransition } from '../domain/transitions.js';
import type { Engine } from './engine.js';
import { formatLocalTime } from './messages.js';
import { findIterationByName } from './read-models.js';

export interface WhatIfMove {
  step: string;
  /** Forecast end before and after, epoch ms. */
  before: number;
  after: number;
}

export interface WhatIf {
  iteration: string;
  timeZone: string;
  step: string;
  action: WorkAction;
  from: string;
  to: string;
  /** For a hold: how long the forecast assumes it lasts. */
  holdMinutes: number | null;
  chapter: { name: string; before: number; after: number; plannedEnd: number | null };
  iterationEnd: { before: number; after: number };
  /** Steps whose forecast end moves, the largest move first. */
  moved: WhatIfMove[];
  /** Whether the step is on the critical path now. */
  critical: boolean;
  /** Which durations the forecast uses ("indicative durations", "learned durations from …"). */
  basis: string;
}

/** The forecast as it was shown, for the audit of the confirmed action. */
export type ForecastSeen = Pick<WhatIf, 'chapter' | 'iterationEnd' | 'holdMinutes' | 'basis'> & {
  movedCount: number;
  moved: WhatIfMove[];
};

/** Thrown when the what-if cannot be computed; the message names the input. */
export class WhatIfError extends Error {
  override readonly name = 'WhatIfError';
}

const MINUTE = 60_000;

/**
 * The effect of `action` on step `input` in the active iteration at `now`. Throws `WhatIfError`
 * for a subject that is not a step in scope, or an action its status does not allow.
 */
export async function previewStepAction(
  engine: Engine,
  action: WorkAction,
  input: string,
  now: Date,
): Promise<WhatIf> {
  const db = engine.database.db;
  const iteration = await findIterationByName(db, null);
  if (!iteration) throw new WhatIfError('No iteration is active; a pilot activates one first.');
  const snapshot = await engine.snapshot();
  const parsed = parseAnyId(input, (type) => snapshot.stepTypes.has(type));
  if (!parsed.ok) throw new WhatIfError(`Unknown step: ${parsed.problem}.`);
  if (parsed.id.kind !== 'step')
    throw new WhatIfError(`What-if works on steps; ${parsed.id.canonical} is a ${parsed.id.kind}.`);
  const key = parsed.id.canonical;
  const index = snapshot.indexOfKey(key);
  if (index === undefined) throw new WhatIfError(`There is no step ${key} in the plan.`);
  if (!snapshot.scopeOf(iteration.id).isInScope(index))
    throw new WhatIfError(`${key} is not in scope of ${iteration.name}.`);

  const live = await engine.forecasts.forecastOf(db, snapshot, iteration, now);
  const current = live.forecast.factsOf(index);
  // The transition table decides the outcome; role and readiness are the confirmed command's to check.
  const decision = decideWorkTransition({
    subject: { kind: 'step', id: key },
    action,
    current: { status: current.status, heldFrom: current.heldFrom },
    actor: { isPilot: true, isOwnTeam: true },
    force: true,
    reason: 'what-if',
    ready: true,
    openTasks: [],
    startedSuccessors: [],
  });
  if (!decision.ok) throw new WhatIfError(decision.message);

  const at = live.forecast.now;
  const next: StepTimingFacts = {
    ...current,
    status: decision.to,
    heldFrom: decision.heldFrom,
    changedAt: at,
    ...(action === 'start' ? { startedAt: at } : {}),
    ...(isFinished(decision.to) ? { endedAt: at } : {}),
    ...(action === 'reopen' || action === 'retry' ? { endedAt: null } : {}),
  };
  const after = live.forecast.clone();
  const movedIndices = after.update([{ index, facts: next }]);
  const chapterIndex = live.chapterIndexOf(snapshot.steps[index]!.chapter) ?? 0;
  const chapter = live.chapters[chapterIndex];
  const moved = movedIndices
    .filter((i) => i !== index && live.forecast.endOf(i) !== after.endOf(i))
    .map((i) => ({ step: snapshot.steps[i]!.key, before: live.forecast.endOf(i), after: after.endOf(i) }))
    .sort(
      (a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before) || a.step.localeCompare(b.step),
    );
  return {
    iteration: iteration.name,
    timeZone: iteration.timeZone,
    step: key,
    action,
    from: current.status,
    to: decision.to,
    holdMinutes: action === 'hold' ? engine.forecasts.holdAllowanceMinutes : null,
    chapter: {
      name: chapter?.name ?? snapshot.steps[index]!.chapter,
      before: live.forecast.chapter(chapterIndex)?.end ?? at,
      after: after.chapter(chapterIndex)?.end ?? at,
      plannedEnd: chapter?.planned?.end.getTime() ?? null,
    },
    iterationEnd: { before: live.forecast.iteration()?.end ?? at, after: after.iteration()?.end ?? at },
    moved,
    critical: live.forecast.criticalSet().has(index),
    basis: live.durations.label,
  };
}

/** What the audit keeps of a what-if that was shown: the ends and the first moves. */
export function forecastSeen(whatIf: WhatIf): ForecastSeen {
  return {
    chapter: whatIf.chapter,
    iterationEnd: whatIf.iterationEnd,
    holdMinutes: whatIf.holdMinutes,
    basis: whatIf.basis,
    movedCount: whatIf.moved.length,
    moved: whatIf.moved.slice(0, 10),
  };
}

const MAX_MOVES_LISTED = 8;

/** The what-if in sentences, times in the iteration's zone; `nothing changed` is always said. */
export function describeWhatIf(whatIf: WhatIf): string[] {
  const time = (ms: number) => formatLocalTime(new Date(ms), whatIf.timeZone);
  const shift = (before: number, after: number) => {
    const minutes = Math.round((after - before) / MINUTE);
    return minutes === 0 ? 'unchanged' : `${minutes > 0 ? '+' : ''}${minutes} min`;
  };
  const assumption =
    whatIf.holdMinutes !== null ? ` (a hold is assumed to last ${whatIf.holdMinutes} min)` : '';
  const { chapter, iterationEnd } = whatIf;
  const planned = chapter.plannedEnd !== null ? `, planned ${time(chapter.plannedEnd)}` : '';
  const lines = [
    `**What if ${whatIf.step} goes ${whatIf.from} → ${whatIf.to} now**${assumption}`,
    `Chapter ${chapter.name}: ends ${time(chapter.after)} instead of ${time(chapter.before)} (${shift(chapter.before, chapter.after)}${planned}).`,
    `${whatIf.iteration}: ends ${time(iterationEnd.after)} instead of ${time(iterationEnd.before)} (${shift(iterationEnd.before, iterationEnd.after)}).`,
  ];
  if (whatIf.moved.length === 0) {
    lines.push(
      `No other step moves${whatIf.critical ? '' : `: ${whatIf.step} is not on the critical path`}.`,
    );
  } else {
    const listed = whatIf.moved
      .slice(0, MAX_MOVES_LISTED)
      .map((m) => `${m.step} ${shift(m.before, m.after)}`)
      .join(', ');
    const rest = whatIf.moved.length - MAX_MOVES_LISTED;
    lines.push(`${whatIf.moved.length} steps move: ${listed}${rest > 0 ? ` and ${rest} more` : ''}.`);
  }
  lines.push(`Forecast with ${whatIf.basis}.`);
  return lines;
}
