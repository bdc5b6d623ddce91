/**
 * The top of the rehearsal report, what a steering committee reads first: one headline sentence
 * (did the iteration end on time, and by how much not), then the facts at a glance: the iteration,
 * planned against actual end, the steps finished, the biggest delays, the failures, the holds, the
 * chapters that ended past their plan and the controls' outcome. Presentation only: it reads the
 * figures of `RehearsalReport` (src/engine/rehearsal-report.ts) and computes none of its own.
 */
import type { RehearsalReport } from '../engine/rehearsal-report.js';
import { formatLocalTime } from '../engine/messages.js';

/** How many delays and late chapters the summary names; the rest are in the report's tables. */
export const SUMMARY_LISTED = 5;

const KIND_NAMES: Record<string, string> = {
  RUN: 'technical run',
  DR: 'dress rehearsal',
  CUTOVER: 'cutover',
};

export interface ReportSummary {
  headline: string;
  /** Label and text, in reading order. */
  facts: { label: string; text: string }[];
}

/** `45 min`, `2 h 05 min`, `1 d 3 h 10 min`, `1 d 15 min` (the sign is the caller's). */
export function formatDuration(minutes: number): string {
  const total = Math.abs(Math.round(minutes));
  if (total < 60) return `${total} min`;
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const rest = total % 60;
  if (days === 0) return `${hours} h ${String(rest).padStart(2, '0')} min`;
  return `${days} d${hours > 0 ? ` ${hours} h` : ''}${rest > 0 ? ` ${rest} min` : ''}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The summary's sentences, as plain text (the HTML writer escapes them). */
export function reportSummary(report: RehearsalReport): ReportSummary {
  const { iteration, total } = report;
  const zone = iteration.timeZone;
  const time = (ms: number | null) => (ms === null ? 'none' : formatLocalTime(new Date(ms), zone));
  const kind = KIND_NAMES[iteration.kind] ?? iteration.kind;

  let headline: string;
  if (total.actualEnd === null) {
    headline = `${iteration.name} is not finished: ${total.finished} of ${plural(total.steps, 'step')} done or cancelled as of ${time(report.generatedAt)}; planned end ${time(total.plannedEnd)}.`;
  } else if (total.endDelayMinutes === null) {
    headline = `${iteration.name} ended at ${time(total.actualEnd)}; it has no planned end to compare with.`;
  } else if (total.endDelayMinutes > 0) {
    headline = `${iteration.name} ended ${formatDuration(total.endDelayMinutes)} after its planned end: ${time(total.actualEnd)} instead of ${time(total.plannedEnd)}.`;
  } else if (total.endDelayMinutes < 0) {
    headline = `${iteration.name} ended ${formatDuration(total.endDelayMinutes)} ahead of its planned end: ${time(total.actualEnd)} instead of ${time(total.plannedEnd)}.`;
  } else headline = `${iteration.name} ended on its planned end, ${time(total.actualEnd)}.`;

  const steps = report.steps;
  const done = steps.filter((s) => s.status === 'DONE').length;
  const cancelled = steps.filter((s) => s.status === 'CANCELLED').length;
  const failed = steps.filter((s) => s.failures > 0);
  const held = steps.filter((s) => s.holds > 0);
  const heldMinutes = held.reduce((sum, s) => sum + s.heldMinutes, 0);
  const lateChapters = report.chapters
    .filter((c) => c.endDelayMinutes !== null && c.endDelayMinutes > 0)
    .sort((a, b) => b.endDelayMinutes! - a.endDelayMinutes!);
  const controls = report.controls;
  const passed = controls.filter((c) => c.result === 'PASSED').length;
  const failedControls = controls.filter((c) => c.result === 'FAILED');
  const notRecorded = controls.filter((c) => c.result === 'OPEN').length;
  const otherControls = controls.length - passed - failedControls.length - notRecorded;

  // Failures have a line of their own; the delays are the minutes lost, the costliest first.
  const delays = report.delays.filter((d) => d.cause !== 'failure' && d.minutes > 0);
  const delayText = (d: RehearsalReport['delays'][number]) => {
    const step = steps.find((s) => s.key === d.step);
    const what = step ? `${d.step} (${step.title})` : d.step;
    if (d.cause === 'overrun')
      return `${what} ran ${formatDuration(d.minutes)} over its planned ${step?.durationMinutes ?? '?'} min`;
    if (d.cause === 'late start') return `${what} started ${formatDuration(d.minutes)} after it was ready`;
    return `${what} was on hold for ${formatDuration(d.minutes)}`;
  };

  const facts: ReportSummary['facts'] = [
    {
      label: 'Iteration',
      text: `${iteration.name}, ${kind}, ${iteration.status.toLowerCase()}; activated ${time(iteration.activatedAt)}${
        iteration.closedAt !== null ? `, closed ${time(iteration.closedAt)}` : ''
      }`,
    },
    { label: 'Planned', text: `${time(total.plannedStart)} → ${time(total.plannedEnd)}` },
    {
      label: 'Actual',
      text: `${time(total.actualStart)} → ${total.actualEnd === null ? 'not finished' : time(total.actualEnd)}`,
    },
    {
      label: 'End against plan',
      text:
        total.endDelayMinutes === null
          ? 'not known yet'
          : total.endDelayMinutes > 0
            ? `late by ${formatDuration(total.endDelayMinutes)}`
            : total.endDelayMinutes < 0
              ? `ahead by ${formatDuration(total.endDelayMinutes)}`
              : 'on time',
    },
    {
      label: 'Steps',
      text: `${total.finished} of ${total.steps} finished (${done} done, ${cancelled} cancelled)`,
    },
    {
      label: 'Biggest delays',
      text:
        delays.length === 0
          ? 'none'
          : delays.slice(0, SUMMARY_LISTED).map(delayText).join('; ') +
            (delays.length > SUMMARY_LISTED ? `; ${delays.length - SUMMARY_LISTED} more below` : ''),
    },
    {
      label: 'Failures',
      text:
        failed.length === 0
          ? 'none'
          : failed
              .map(
                (s) =>
                  `${s.key} (${s.title}) failed ${s.failures === 1 ? 'once' : `${s.failures} times`}` +
                  `${s.failureReasons.length > 0 ? `: ${s.failureReasons.join('; ')}` : ''}` +
                  `; now ${s.status.toLowerCase().replace('_', ' ')}`,
              )
              .join('. '),
    },
    {
      label: 'Holds',
      text:
        held.length === 0
          ? 'none'
          : `${plural(total.holds, 'hold')} on ${plural(held.length, 'step')}, ${formatDuration(heldMinutes)} in all`,
    },
    {
      label: 'Chapters late',
      text:
        lateChapters.length === 0
          ? 'none'
          : lateChapters
              .slice(0, SUMMARY_LISTED)
              .map((c) => `${c.name} by ${formatDuration(c.endDelayMinutes!)}`)
              .join('; ') +
            (lateChapters.length > SUMMARY_LISTED
              ? `; ${lateChapters.length - SUMMARY_LISTED} more below`
              : ''),
    },
    {
      label: 'Controls',
      text:
        controls.length === 0
          ? 'none in the plan'
          : `${passed} passed, ${failedControls.length} failed, ${notRecorded} not recorded` +
            `${otherControls > 0 ? `, ${otherControls} cancelled` : ''} (of ${controls.length})` +
            (failedControls.length > 0
              ? `; failed: ${failedControls.map((c) => `${c.id} ${c.name}${c.note ? ` (${c.note})` : ''}`).join('; ')}`
              : ''),
    },
  ];
  return { headline, facts };
}

/** The summary as HTML: the headline, then the facts as a two-column table. */
export function renderSummaryHtml(report: RehearsalReport, escapeHtml: (text: string) => string): string {
  const { headline, facts } = reportSummary(report);
  return `<h2>Summary</h2>
<p class="headline">${escapeHtml(headline)}</p>
<table class="facts"><tbody>${facts
    .map((f) => `<tr><th scope="row">${escapeHtml(f.label)}</th><td>${escapeHtml(f.text)}</td></tr>`)
    .join('')}</tbody></table>`;
}
