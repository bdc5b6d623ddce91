/**
 * The alert rules (issue "Time on the weekend", item 1): which causes for an alert hold now. Pure:
 * the forecast, the clock and the failed deliveries are given; the scan (`src/engine/alert-scan.ts`)
 * raises what is new and resolves what went away.
 *
 * A **cause** is identified by its `causeKey`, unique per iteration: `<kind>:<subject>:<occurrence>`.
 * The occurrence is what makes a repeat a new cause: a step restarted after a reopen overruns
 * anew (its start time differs), a step failing again after a retry fails anew (its change time
 * differs). A chapter's lateness has no occurrence: when it comes back, the same alert is raised again.
 *
 * Rules:
 * - `step-overrun`: IN_PROGRESS longer than its indicative duration plus the overrun grace;
 * - `ready-idle`: ready (in scope, OPEN, effective predecessors finished, fixed start passed) for
 *   longer than the ready grace without being started; ready since the latest of the predecessors'
 *   ends, the fixed start and the iteration's activation;
 * - `chapter-late`: a chapter with open steps whose forecast end passes its planned end by more
 *   than the chapter grace;
 * - `step-failed`: FAILED;
 * - `delivery-failed`: a card or mail job that used up its attempts, until a later delivery of the
 *   same kind for the same subject succeeds (the scan finds those; see `FailedDelivery`).
 */
import type { IterationForecast } from './forecast.js';
import { isFinished } from './statuses.js';

export const ALERT_KINDS = [
  'step-overrun',
  'ready-idle',
  'chapter-late',
  'step-failed',
  'delivery-failed',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface AlertSettings {
  overrunGraceMinutes: number;
  readyGraceMinutes: number;
  chapterGraceMinutes: number;
}

export interface AlertCause {
  kind: AlertKind;
  causeKey: string;
  /** A step key, a chapter name or a job id. */
  subject: string;
  /** The step's index in the forecast, for step alerts. */
  stepIndex: number | null;
  /** Facts the card shows; times as epoch milliseconds. */
  details: Record<string, string | number | null>;
}

/** A delivery job that gave up, not yet followed by a successful one. */
export interface FailedDelivery {
  jobId: number;
  kind: string;
  /** The step key the job was about, if any. */
  step: string | null;
  error: string;
  failedAt: number;
}

export interface AlertRuleInput {
  forecast: IterationForecast;
  /** Step keys by index. */
  keys: readonly string[];
  /** Chapter names and planned ends (epoch ms, null when not scheduled), by the forecast's chapter index. */
  chapters: readonly { name: string; plannedEnd: number | null }[];
  /** When the iteration was activated: a step ready from the start is ready since then. */
  activatedAt: number | null;
  failedDeliveries: readonly FailedDelivery[];
  now: number;
  settings: AlertSettings;
}

const MINUTE = 60_000;

/** Every alert cause that holds at `now`; see the file comment. Ordered by kind, then subject order. */
export function findAlertCauses(input: AlertRuleInput): AlertCause[] {
  const { forecast, keys, now, settings } = input;
  const scope = forecast.scope;
  const causes: AlertCause[] = [];
  const stepCount = keys.length;

  for (let index = 0; index < stepCount; index++) {
    if (!scope.isInScope(index)) continue;
    const facts = forecast.factsOf(index);
    const key = keys[index]!;
    if (facts.status === 'IN_PROGRESS' && facts.startedAt !== null && facts.durationMinutes !== null) {
      const dueAt = facts.startedAt + facts.durationMinutes * MINUTE;
      if (now > dueAt + settings.overrunGraceMinutes * MINUTE) {
        causes.push({
          kind: 'step-overrun',
          causeKey: `step-overrun:${key}:${new Date(facts.startedAt).toISOString()}`,
          subject: key,
          stepIndex: index,
          details: {
            startedAt: facts.startedAt,
            durationMinutes: facts.durationMinutes,
            lateByMinutes: lateByMinutes(facts.startedAt, facts.durationMinutes, now),
          },
        });
      }
    } else if (facts.status === 'FAILED') {
      const failedAt = facts.changedAt ?? 0;
      causes.push({
        kind: 'step-failed',
        causeKey: `step-failed:${key}:${new Date(failedAt).toISOString()}`,
        subject: key,
        stepIndex: index,
        details: { failedAt },
      });
    } else if (facts.status === 'OPEN') {
      const readySince = readySinceOf(forecast, index, input.activatedAt, now);
      if (readySince !== null && now > readySince + settings.readyGraceMinutes * MINUTE) {
        causes.push({
          kind: 'ready-idle',
          causeKey: `ready-idle:${key}:${new Date(readySince).toISOString()}`,
          subject: key,
          stepIndex: index,
          details: { readySince, idleMinutes: Math.floor((now - readySince) / MINUTE) },
        });
      }
    }
  }

  input.chapters.forEach((chapter, index) => {
    const window = forecast.chapter(index);
    if (chapter.plannedEnd === null || !window || window.openSteps === 0) return;
    if (window.end > chapter.plannedEnd + settings.chapterGraceMinutes * MINUTE) {
      causes.push({
        kind: 'chapter-late',
        causeKey: `chapter-late:${chapter.name}`,
        subject: chapter.name,
        stepIndex: null,
        details: {
          plannedEnd: chapter.plannedEnd,
          forecastEnd: window.end,
          lateByMinutes: Math.ceil((window.end - chapter.plannedEnd) / MINUTE),
        },
      });
    }
  });

  for (const delivery of input.failedDeliveries) {
    causes.push({
      kind: 'delivery-failed',
      causeKey: `delivery-failed:${delivery.jobId}`,
      subject: String(delivery.jobId),
      stepIndex: delivery.step === null ? null : (forecast.scope.graph.indexOf(delivery.step) ?? null),
      details: {
        job: delivery.jobId,
        jobKind: delivery.kind,
        step: delivery.step,
        error: delivery.error,
        failedAt: delivery.failedAt,
      },
    });
  }
  return causes;
}

/** Whole minutes a running step is past its indicative duration (never negative). */
export function lateByMinutes(startedAt: number, durationMinutes: number, now: number): number {
  return Math.max(0, Math.floor((now - startedAt) / MINUTE) - durationMinutes);
}

/**
 * When an OPEN step became ready: the latest of its effective predecessors' ends, its fixed start
 * and the activation; null when it is not ready (a predecessor unfinished, the fixed start ahead).
 */
export function readySinceOf(
  forecast: IterationForecast,
  index: number,
  activatedAt: number | null,
  now: number,
): number | null {
  const facts = forecast.factsOf(index);
  if (facts.status !== 'OPEN') return null;
  if (facts.notBefore !== null && facts.notBefore > now) return null;
  let since = Math.max(activatedAt ?? 0, facts.notBefore ?? 0);
  for (const predecessor of forecast.scope.effectivePredecessors(index)) {
    const predecessorFacts = forecast.factsOf(predecessor);
    if (!isFinished(predecessorFacts.status)) return null;
    since = Math.max(since, predecessorFacts.endedAt ?? 0);
  }
  return since;
}
