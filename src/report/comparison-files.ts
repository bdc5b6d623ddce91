/**
 * The comparison across iterations as CSV (one row per step, then one per chapter) and as one
 * standalone HTML page: actual minutes per iteration side by side, the trend and the re-estimated
 * (learned) duration.
 */
import type { ComparisonRow } from '../domain/report-figures.js';
import type { RehearsalComparison } from '../engine/rehearsal-comparison.js';
import { csvField } from './csv.js';
import { escapeHtml, REPORT_STYLE } from './report-html.js';

const text = (n: number | null) => (n === null ? '' : String(n));

/** The comparison as CSV text (RFC 4180, CRLF). */
export function renderComparisonCsv(comparison: RehearsalComparison): string {
  const header = [
    'kind',
    'name',
    'title',
    'chapter',
    'planned_minutes',
    ...comparison.iterations,
    'trend',
    'learned_minutes',
  ];
  const row = (kind: string, r: ComparisonRow) =>
    [
      kind,
      r.name,
      r.title,
      r.chapter,
      text(r.plannedMinutes),
      ...r.actuals.map(text),
      r.trend ?? '',
      text(r.learnedMinutes),
    ]
      .map(csvField)
      .join(',');
  return `${[
    header.map(csvField).join(','),
    ...comparison.steps.map((r) => row('step', r)),
    ...comparison.chapters.map((r) => row('chapter', r)),
  ].join('\r\n')}\r\n`;
}

/** The comparison as an HTML document. */
export function renderComparisonHtml(comparison: RehearsalComparison): string {
  const cell = (n: number | null) => `<td class="n">${n === null ? '—' : n}</td>`;
  const table = (first: string, rows: readonly ComparisonRow[], planned: boolean) =>
    `<table><thead><tr><th>${first}</th>${planned ? '<th>Planned</th>' : ''}${comparison.iterations
      .map((name) => `<th>${escapeHtml(name)}</th>`)
      .join('')}<th>Trend</th><th>Learned</th></tr></thead><tbody>${rows
      .map(
        (r) =>
          `<tr><td>${escapeHtml(r.name)}${r.title !== r.name ? ` <span class="muted">${escapeHtml(r.title)}</span>` : ''}</td>${
            planned ? cell(r.plannedMinutes) : ''
          }${r.actuals.map(cell).join('')}<td class="${r.trend === 'slower' ? 'late' : r.trend === 'faster' ? 'ok' : ''}">${
            r.trend ?? '—'
          }</td>${cell(r.learnedMinutes)}</tr>`,
      )
      .join('')}</tbody></table>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Rehearsals compared</title><style>${REPORT_STYLE}</style></head><body>
<h1>Rehearsals compared</h1>
<p class="muted">Actual minutes per iteration (${comparison.iterations.map(escapeHtml).join(', ') || 'none started yet'}). Trend: the last two actuals, more than 10 % apart. Learned: the median of the actuals.</p>
<h2>Chapters</h2>
${table('Chapter', comparison.chapters, false)}
<h2>Steps</h2>
${table('Step', comparison.steps, true)}
</body></html>
`;
}
