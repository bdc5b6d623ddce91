/**
 * The rehearsal report as one standalone HTML page (no script, no external file; inline style), for
 * a pilot to send to the steering committee: summary (report-summary.ts), phases, chapters, delays
 * and causes, every step, the controls, and who did what. Every text from data is escaped.
 */
import type { GroupFigures } from '../domain/report-figures.js';
import type { RehearsalReport } from '../engine/rehearsal-report.js';
import { formatLocalTime } from '../engine/messages.js';
import { formatDuration, renderSummaryHtml } from './report-summary.js';

/** Text as HTML, every markup character escaped. */
export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** The style of the report pages, inline so that a page stands alone. */
export const REPORT_STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{margin-bottom:0}
table{border-collapse:collapse;margin:1em 0;width:100%}th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right}.late{color:#b00020;font-weight:600}.ok{color:#17663a}.muted{color:#777}
p.headline{font-size:17px;font-weight:600}table.facts{width:auto;max-width:70em}table.facts th{white-space:nowrap;width:11em}`;

/** The report as an HTML document. */
export function renderReportHtml(report: RehearsalReport): string {
  const zone = report.iteration.timeZone;
  const time = (ms: number | null) => (ms === null ? '—' : escapeHtml(formatLocalTime(new Date(ms), zone)));
  const num = (n: number | null) => (n === null ? '—' : String(n));
  // A signed lateness in hours and minutes: `+6 h 03 min`, `−40 min`.
  const delay = (n: number | null) =>
    n === null
      ? '—'
      : `<span class="${n > 0 ? 'late' : 'ok'}">${n > 0 ? '+' : n < 0 ? '−' : ''}${formatDuration(n)}</span>`;
  const table = (headers: string[], rows: string[][]) =>
    `<table><thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
      .map((r) => `<tr>${r.join('')}</tr>`)
      .join('')}</tbody></table>`;
  const td = (text: string, numeric = false) => `<td${numeric ? ' class="n"' : ''}>${text}</td>`;
  const groupRows = (groups: readonly GroupFigures[]) =>
    groups.map((g) => [
      td(escapeHtml(g.name)),
      td(time(g.plannedStart)),
      td(time(g.plannedEnd)),
      td(time(g.actualStart)),
      td(g.actualEnd === null ? `<span class="muted">open</span>` : time(g.actualEnd)),
      td(delay(g.endDelayMinutes), true),
      td(`${g.finished}/${g.steps}`, true),
      td(String(g.holds), true),
      td(String(g.failures), true),
    ]);
  const groupHeaders = [
    '',
    'Planned start',
    'Planned end',
    'Actual start',
    'Actual end',
    'End vs plan',
    'Finished',
    'Holds',
    'Failures',
  ];
  const { iteration } = report;
  const title = `Rehearsal report · ${escapeHtml(iteration.name)}`;

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>${REPORT_STYLE}</style></head><body>
<h1>${title}</h1>
<p class="muted">Report as of ${time(report.generatedAt)}. Times are in ${escapeHtml(zone)}.</p>
${renderSummaryHtml(report, escapeHtml)}
<h2>Phases</h2>
${table(['Phase', ...groupHeaders.slice(1)], groupRows(report.phases))}
<h2>Chapters</h2>
${table(['Chapter', ...groupHeaders.slice(1)], groupRows(report.chapters))}
<h2>Delays and their causes</h2>
${
  report.delays.length === 0
    ? '<p>None.</p>'
    : table(
        ['Step', 'Cause', 'Minutes', 'Detail'],
        report.delays.map((d) => [
          td(escapeHtml(d.step)),
          td(d.cause),
          td(String(d.minutes), true),
          td(escapeHtml(d.detail)),
        ]),
      )
}
<h2>Steps</h2>
${table(
  [
    'Step',
    'Title',
    'Chapter',
    'Team',
    'Status',
    'Planned',
    'Started',
    'Ended',
    'Actual',
    'Overrun',
    'Start delay',
    'Held',
    'Failures',
    'By',
  ],
  report.steps.map((s) => [
    td(escapeHtml(s.key)),
    td(escapeHtml(s.title)),
    td(escapeHtml(s.chapter)),
    td(escapeHtml(s.team)),
    td(escapeHtml(s.status)),
    td(num(s.durationMinutes), true),
    td(time(s.startedAt)),
    td(time(s.endedAt)),
    td(num(s.actualMinutes), true),
    td(delay(s.overrunMinutes), true),
    td(num(s.startDelayMinutes), true),
    td(String(s.heldMinutes), true),
    td(`${s.failures}${s.failureReasons.length > 0 ? `: ${escapeHtml(s.failureReasons.join('; '))}` : ''}`),
    td(escapeHtml([s.startedBy, s.endedBy].filter((x) => x).join(' → '))),
  ]),
)}
<h2>Controls</h2>
${table(
  ['Control', 'Name', 'Result', 'Note', 'By'],
  report.controls.map((c) => [
    td(escapeHtml(c.id)),
    td(escapeHtml(c.name)),
    td(
      `<span class="${c.result === 'PASSED' ? 'ok' : c.result === 'FAILED' ? 'late' : 'muted'}">${escapeHtml(c.result)}</span>`,
    ),
    td(escapeHtml(c.note ?? '')),
    td(escapeHtml(c.by ?? '')),
  ]),
)}
<h2>Who did what</h2>
${table(
  ['Person', 'Actions', 'Detail'],
  report.people.map((p) => [
    td(escapeHtml(p.name)),
    td(String(p.actions), true),
    td(
      escapeHtml(
        Object.entries(p.byAction)
          .map(([type, n]) => `${type} ×${n}`)
          .join(', '),
      ),
    ),
  ]),
)}
</body></html>
`;
}
