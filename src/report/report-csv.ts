/**
 * The rehearsal report as CSV (RFC 4180, CRLF): one row per step in scope, planned against actual,
 * with the causes of delay. Times are local to the iteration's time zone, with the zone's name.
 */
import type { RehearsalReport } from '../engine/rehearsal-report.js';
import { formatLocalTime } from '../engine/messages.js';
import { csvField } from './csv.js';

export const REPORT_CSV_COLUMNS = [
  'iteration',
  'phase',
  'chapter',
  'step',
  'title',
  'team',
  'status',
  'planned_minutes',
  'started_at',
  'ended_at',
  'actual_minutes',
  'overrun_minutes',
  'start_delay_minutes',
  'holds',
  'held_minutes',
  'failures',
  'failure_reasons',
  'started_by',
  'ended_by',
] as const;

/** The report's steps as CSV text. */
export function renderReportCsv(report: RehearsalReport): string {
  const zone = report.iteration.timeZone;
  const time = (ms: number | null) => (ms === null ? '' : formatLocalTime(new Date(ms), zone));
  const number = (n: number | null) => (n === null ? '' : String(n));
  const lines = [REPORT_CSV_COLUMNS.join(',')];
  for (const step of report.steps) {
    lines.push(
      [
        report.iteration.name,
        step.phase,
        step.chapter,
        step.key,
        step.title,
        step.team,
        step.status,
        number(step.durationMinutes),
        time(step.startedAt),
        time(step.endedAt),
        number(step.actualMinutes),
        number(step.overrunMinutes),
        number(step.startDelayMinutes),
        String(step.holds),
        String(step.heldMinutes),
        String(step.failures),
        step.failureReasons.join('; '),
        step.startedBy ?? '',
        step.endedBy ?? '',
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
