/**
 * The macro-plan of one iteration as ONE standalone HTML file: inline CSS, no script, no external
 * resource, so it opens offline, can be mailed or archived, and prints on A4 or A3 landscape. The
 * tab's export button and `runsheet planner export` both call `renderPlannerHtml`.
 *
 * Layout: a title with the iteration, its time zone and the generation time; a legend; the
 * overview of every phase and chapter (planned and actual times, progress, late); then one page
 * per day, hour by hour in the iteration's time zone, with the chapters planned or running that
 * day as bars (planned above, actual below), late ones marked in words and colour, and the now line.
 * Every piece of text from the plan is escaped.
 */
import type { DaySegment, GridDay } from '../domain/hour-grid.js';
import type { PlannerChapter, PlannerPhase, PlannerTime, PlannerView } from '../engine/planner-read-model.js';
import { escapeHtml } from './escape-html.js';
import { PLANNER_EXPORT_CSS } from './planner-html-style.js';

const percent = (fraction: number) => `${(fraction * 100).toFixed(3)}%`;

/** Renders the whole document. */
export function renderPlannerHtml(view: PlannerView): string {
  const { iteration } = view;
  const title = `${iteration.name} macro-plan`;
  const since =
    iteration.status === 'ACTIVE' && iteration.activatedAt
      ? `, active since ${iteration.activatedAt.label}`
      : iteration.status === 'CLOSED' && iteration.closedAt
        ? `, closed ${iteration.closedAt.label}`
        : iteration.status === 'PLANNED'
          ? ', not yet activated'
          : '';
  const { totals } = view;
  const percentDone = totals.steps === 0 ? 0 : Math.round((totals.finished / totals.steps) * 100);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Runsheet">
<title>${escapeHtml(title)}</title>
<style>${PLANNER_EXPORT_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Iteration <strong>${escapeHtml(iteration.name)}</strong> (${escapeHtml(iteration.kind)}, ${escapeHtml(iteration.status.toLowerCase())}${escapeHtml(since)}). All times in <strong>${escapeHtml(iteration.timeZone)}</strong>. Generated ${escapeHtml(view.generatedAt.label)} by Runsheet.</p>
<p class="summary">${totals.chapters} chapters (${totals.scheduled} planned), ${totals.late} late; ${totals.finished} of ${totals.steps} steps finished (${percentDone} %).</p>
${renderLegend(view)}
</header>
<main>
${renderOverview(view)}
${view.days.map((day, index) => renderDay(view, day, index)).join('\n')}
${view.days.length === 0 ? '<p class="gap">No chapter of this iteration has a plan or has run yet: there is no hour grid to show.</p>' : ''}
</main>
<footer>Runsheet planner export of ${escapeHtml(iteration.name)}, generated ${escapeHtml(view.generatedAt.label)}. Planned bars come from the chapter schedule; actual bars from the first step started to the last step finished.</footer>
</body>
</html>
`;
}

function renderLegend(view: PlannerView): string {
  const now = view.now ? '<span><i class="swatch now"></i>Now</span>' : '';
  return `<div class="legend" role="note" aria-label="Legend">
<span><i class="swatch planned"></i>Planned</span>
<span><i class="swatch actual"></i>Actual (first step started → last step finished)</span>
<span><i class="swatch running"></i>Still running</span>
<span><i class="swatch phase-span"></i>Phase: first planned start → last planned end</span>
<span><i class="swatch late"></i>Late: finished after, or still open past, the planned end</span>
${now}</div>`;
}

function timeCell(time: PlannerTime | null, fallback = '—'): string {
  return time ? escapeHtml(time.label) : fallback;
}

function renderOverview(view: PlannerView): string {
  const rows = view.phases
    .map((phase) => {
      const head = overviewRow(phase, 'phase-row', phase.name);
      return [
        head,
        ...phase.chapters.map((chapter) => overviewRow(chapter, 'chapter-row', chapter.name)),
      ].join('\n');
    })
    .join('\n');
  return `<section class="overview" aria-labelledby="overview-title">
<h2 id="overview-title">Phases and chapters</h2>
<table>
<colgroup><col style="width:24%"><col style="width:11%"><col style="width:11%"><col style="width:11%"><col style="width:11%"><col style="width:8%"><col style="width:24%"></colgroup>
<thead><tr><th scope="col">Phase / chapter</th><th scope="col">Planned start</th><th scope="col">Planned end</th><th scope="col">Actual start</th><th scope="col">Actual end</th><th scope="col" class="num">Steps done</th><th scope="col">Status</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`;
}

function overviewRow(row: PlannerPhase | PlannerChapter, kind: string, name: string): string {
  const nameClass = kind === 'chapter-row' ? ' class="chapter-name"' : '';
  const status = row.late
    ? `<span class="badge">LATE</span> ${escapeHtml(row.statusText)}`
    : `<span class="state${row.state === 'finished' ? ' done' : ''}">${escapeHtml(row.statusText)}</span>`;
  const lateChapters =
    'lateChapters' in row && row.lateChapters > 0
      ? ` (${row.lateChapters} chapter${row.lateChapters > 1 ? 's' : ''} late)`
      : '';
  return `<tr class="${kind}${row.late ? ' late' : ''}"><th scope="row"${nameClass}>${escapeHtml(name)}</th>
<td>${timeCell(row.planned?.start ?? null, 'not planned')}</td><td>${timeCell(row.planned?.end ?? null, '')}</td>
<td>${timeCell(row.actual.start)}</td><td>${timeCell(row.actual.end)}</td>
<td class="num">${row.steps.finished}/${row.steps.total}</td><td>${status}${escapeHtml(lateChapters)}</td></tr>`;
}

function onDay(segments: readonly DaySegment[], day: number): DaySegment[] {
  return segments.filter((segment) => segment.day === day);
}

function bars(segments: readonly DaySegment[], kind: string, running = false): string {
  return segments
    .map((segment) => {
      const classes = [
        'bar',
        kind,
        running && !segment.continuesAfter ? 'running' : '',
        segment.continuesBefore ? 'cont-before' : '',
        segment.continuesAfter ? 'cont-after' : '',
      ].filter(Boolean);
      return `<span class="${classes.join(' ')}" style="left:${percent(segment.left)};width:${percent(segment.width)}"></span>`;
    })
    .join('');
}

/** The hour lines of a lane, every hour, stronger every sixth. */
function ticks(day: GridDay): string {
  return day.hours
    .map((_, index) =>
      index === 0
        ? ''
        : `<i class="tick${index % 6 === 0 ? ' major' : ''}" style="left:${percent(index / day.hours.length)}"></i>`,
    )
    .join('');
}

function nowLine(view: PlannerView, dayIndex: number): string {
  return view.now && view.now.day === dayIndex
    ? `<i class="now-line" style="left:${percent(view.now.left)}"></i>`
    : '';
}

function skippedSince(previous: GridDay | undefined, day: GridDay): string {
  if (!previous) return '';
  const gapDays = Math.round((day.start - previous.end) / 86_400_000);
  if (gapDays < 1) return '';
  return `<p class="gap">Nothing planned or running on the ${gapDays === 1 ? 'day' : `${gapDays} days`} after ${escapeHtml(previous.label)}.</p>`;
}

function renderDay(view: PlannerView, day: GridDay, index: number): string {
  const hourCount = day.hours.length;
  const laneRow = (row: PlannerPhase | PlannerChapter, isPhase: boolean) => {
    const planned = onDay(row.segments.planned, index);
    const actual = onDay(row.segments.actual, index);
    if (planned.length === 0 && actual.length === 0) return '';
    const running = row.state === 'running';
    const label = isPhase
      ? `<th scope="rowgroup" colspan="3">${escapeHtml(row.name)}${row.late ? ' <span class="badge">LATE</span>' : ''}</th>`
      : `<th scope="row" class="chapter-name">${escapeHtml(row.name)}${row.late && row.lateByMinutes !== null ? ` <span class="badge">LATE</span>` : ''}</th>
<td class="times">${row.planned ? `${escapeHtml(row.planned.start.label)}<br>→ ${escapeHtml(row.planned.end.label)}` : 'not planned'}</td>
<td class="times">${row.actual.start ? `${escapeHtml(row.actual.start.label)}<br>→ ${row.actual.end ? escapeHtml(row.actual.end.label) : 'running'}` : 'not started'}</td>`;
    const content = isPhase
      ? bars(planned, 'phase-span')
      : `${bars(planned, 'planned')}${bars(actual, 'actual', running)}`;
    return `<tr class="${isPhase ? 'phase-row' : 'chapter-row'}${row.late ? ' late' : ''}">${label}<td class="lane" colspan="${hourCount}"><div class="track">${ticks(day)}${content}${nowLine(view, index)}</div></td></tr>`;
  };
  const bodies = view.phases
    .map((phase) => {
      const chapterRows = phase.chapters.map((chapter) => laneRow(chapter, false)).filter(Boolean);
      if (chapterRows.length === 0) return '';
      return `<tbody>\n${laneRow(phase, true) || `<tr class="phase-row"><th scope="rowgroup" colspan="${3 + hourCount}">${escapeHtml(phase.name)}</th></tr>`}\n${chapterRows.join('\n')}\n</tbody>`;
    })
    .filter(Boolean)
    .join('\n');
  const nowText =
    view.now && view.now.day === index
      ? ` · <span class="now-label">Now ${escapeHtml(view.generatedAt.label.slice(11))}</span>`
      : '';
  const headingId = `day-${index + 1}`;
  return `<section class="day" aria-labelledby="${headingId}">
${skippedSince(view.days[index - 1], day)}
<table class="grid">
<colgroup><col style="width:15%"><col style="width:11%"><col style="width:11%">${day.hours.map(() => '<col>').join('')}</colgroup>
<thead>
<tr class="day-title"><th colspan="${3 + hourCount}"><h2 id="${headingId}">${escapeHtml(day.label)} <span class="meta">· ${escapeHtml(view.iteration.name)} · hours in ${escapeHtml(view.iteration.timeZone)}${day.note ? ` · ${escapeHtml(day.note)}` : ''}</span>${nowText}</h2></th></tr>
<tr><th scope="col" class="col-head">Phase / chapter</th><th scope="col" class="col-head">Planned</th><th scope="col" class="col-head">Actual</th>${day.hours
    .map(
      (hour, h) =>
        `<th scope="col" class="hour${h % 6 === 0 && h > 0 ? ' major' : ''}">${escapeHtml(hour.label)}</th>`,
    )
    .join('')}</tr>
</thead>
${bodies}
</table>
</section>`;
}
