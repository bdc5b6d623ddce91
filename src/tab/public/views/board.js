// The Board view: the iteration's progress by phase and chapter, the steps that need eyes (ready,
// in progress, failed, on hold) with filters and pages, and a step's detail with the actions the
// user's role allows. Live: every committed change of this iteration re-reads what is shown.
import { el, formatClock, formatLocalTime, formatMinutes } from '../format.js';

const PAGE_SIZE = 50;
const CRITICAL_SHOWN = 8;
const ALERTS_SHOWN = 6;
const ALERT_LABELS = {
  'step-overrun': 'Overrun',
  'ready-idle': 'Not started',
  'chapter-late': 'Chapter late',
  'step-failed': 'Failed',
  'delivery-failed': 'Not delivered',
};

/** A lateness in a narrow column: `25 min`, `3 h 05`, `4 d`. */
function shortMinutes(minutes) {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')}`;
  return `${Math.floor(minutes / 1440)} d`;
}
const STATUS_LABELS = {
  READY: 'Ready',
  OPEN: 'Waiting',
  IN_PROGRESS: 'In progress',
  ON_HOLD: 'On hold',
  FAILED: 'Failed',
  DONE: 'Done',
  CANCELLED: 'Cancelled',
};
const FILTERS = [
  ['active', 'Needs attention'],
  ['all', 'All statuses'],
  ['ready', 'Ready'],
  ['in_progress', 'In progress'],
  ['late', 'Late'],
  ['failed', 'Failed'],
  ['on_hold', 'On hold'],
  ['open', 'Waiting'],
  ['done', 'Done'],
  ['cancelled', 'Cancelled'],
];
const ACTION_LABELS = {
  start: 'Start',
  done: 'Done',
  fail: 'Fail',
  retry: 'Retry',
  hold: 'Hold',
  resume: 'Resume',
  cancel: 'Cancel',
  reopen: 'Reopen',
};

export async function mountView(container, tab) {
  const filters = { q: '', team: '', status: 'active', phase: '', offset: 0 };
  let summary = null;
  let openStep = null; // id of the step in the detail panel
  let outcome = null; // the engine's answer to the last action taken in the panel, kept across refreshes
  let lastFocusedStep = null;
  let refreshTimer = null;
  let disposed = false;

  const summaryBox = el('section', { class: 'board-summary', 'aria-label': 'Iteration summary' });
  const phasesBox = el('section', { class: 'panel', 'aria-labelledby': 'phases-title' });
  const stepsBox = el('section', { class: 'panel', 'aria-labelledby': 'steps-title' });
  const detailBox = el('aside', {
    class: 'detail',
    hidden: true,
    'aria-labelledby': 'detail-title',
    tabindex: '-1',
  });
  container.replaceChildren(summaryBox, el('div', { class: 'board-grid' }, phasesBox, stepsBox), detailBox);

  // Filters: built once, so typing is never interrupted by a refresh.
  const search = el('input', { type: 'search', id: 'filter-q', placeholder: 'TRT-12 or words' });
  const teamSelect = el('select', { id: 'filter-team' });
  const statusSelect = el(
    'select',
    { id: 'filter-status' },
    ...FILTERS.map(([value, label]) => el('option', { value, text: label })),
  );
  const phaseSelect = el('select', { id: 'filter-phase' });
  const rows = el('tbody');
  const footer = el('div', { class: 'list-footer' });
  stepsBox.append(
    el('h3', { id: 'steps-title', text: 'Steps' }),
    el(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter steps', onsubmit: (e) => e.preventDefault() },
      el('label', { class: 'field', for: 'filter-q' }, el('span', { text: 'Search id or title' }), search),
      el('label', { class: 'field', for: 'filter-team' }, el('span', { text: 'Team' }), teamSelect),
      el('label', { class: 'field', for: 'filter-status' }, el('span', { text: 'Status' }), statusSelect),
      el('label', { class: 'field', for: 'filter-phase' }, el('span', { text: 'Phase' }), phaseSelect),
    ),
    el(
      'table',
      { class: 'steps' },
      el('caption', { class: 'visually-hidden', text: 'Steps matching the filters' }),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['Step', 'Title', 'Team', 'Status', 'Time'].map((h) => el('th', { scope: 'col', text: h })),
        ),
      ),
      rows,
    ),
    footer,
  );

  let searchTimer = null;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      filters.q = search.value;
      filters.offset = 0;
      loadSteps();
    }, 250);
  });
  for (const [select, key] of [
    [teamSelect, 'team'],
    [statusSelect, 'status'],
    [phaseSelect, 'phase'],
  ]) {
    select.addEventListener('change', () => {
      filters[key] = select.value;
      filters.offset = 0;
      loadSteps();
    });
  }

  const zone = () => summary?.iteration.timeZone ?? 'Europe/Zurich';
  const iterationQuery = () => (tab.iteration ? { iteration: tab.iteration } : {});

  async function loadSummary() {
    try {
      summary = await tab.api.get('/board', iterationQuery());
    } catch (error) {
      summary = null;
      summaryBox.replaceChildren(el('h2', { text: 'No board to show' }), el('p', { text: error.message }));
      phasesBox.hidden = true;
      stepsBox.hidden = true;
      return false;
    }
    phasesBox.hidden = false;
    stepsBox.hidden = false;
    renderSummary();
    renderPhases();
    fillSelect(teamSelect, 'All teams', summary.teams, filters.team);
    fillSelect(
      phaseSelect,
      'All phases',
      summary.phases.map((p) => p.name),
      filters.phase,
    );
    return true;
  }

  function fillSelect(select, allLabel, values, current) {
    const known = values.join('\n');
    if (select.dataset.values !== known) {
      select.replaceChildren(
        el('option', { value: '', text: allLabel }),
        ...values.map((v) => el('option', { value: v, text: v })),
      );
      select.dataset.values = known;
    }
    select.value = values.includes(current) ? current : '';
  }

  function renderSummary() {
    const { iteration, totals, now } = summary;
    const finished = totals.done + totals.cancelled;
    const percent = totals.total ? Math.floor((finished * 100) / totals.total) : 0;
    const chip = (label, value, cls) =>
      el('li', { class: `chip ${cls ?? ''}` }, `${label} `, el('strong', { text: value }));
    summaryBox.replaceChildren(
      el('h2', { text: `${iteration.name} · ${iteration.status.toLowerCase()}` }),
      el('span', {
        class: 'board-meta',
        text: `${iteration.timeZone} · comms ${iteration.comms} · as of ${formatLocalTime(now, iteration.timeZone)}`,
      }),
      el(
        'ul',
        { class: 'chips', 'aria-label': 'Totals' },
        chip('Done', `${finished}/${totals.total} (${percent} %)`),
        chip('In progress', totals.inProgress),
        chip('Ready', totals.ready),
        chip('Failed', totals.failed, totals.failed ? 'count-failed' : ''),
        chip('On hold', totals.onHold, totals.onHold ? 'count-hold' : ''),
        chip('Late', totals.late, totals.late ? 'count-late' : ''),
      ),
      forecastBlock(summary.forecast),
      alertsBlock(summary.alerts ?? []),
    );
  }

  // The open alerts, newest first, as the pilots' channel got them; a step's alert opens its detail.
  function alertsBlock(alerts) {
    const shown = alerts.slice(0, ALERTS_SHOWN);
    const more = alerts.length - shown.length;
    const z = zone();
    return el(
      'div',
      { class: 'alerts', id: 'board-alerts' },
      el('h3', { id: 'alerts-title', text: `Open alerts (${alerts.length})` }),
      alerts.length === 0
        ? el('p', { class: 'hint', text: 'No open alert.' })
        : el(
            'ul',
            { class: 'plain-list', 'aria-labelledby': 'alerts-title' },
            ...shown.map((alert) =>
              el(
                'li',
                { 'data-alert-kind': alert.kind },
                el('span', { class: 'alert-tag', text: ALERT_LABELS[alert.kind] ?? alert.kind }),
                ' ',
                el('time', { datetime: alert.raisedAt.at, text: formatClock(alert.raisedAt.at, z) }),
                ' ',
                /^[A-Z]+-\d+$/.test(alert.subject)
                  ? el('button', {
                      type: 'button',
                      class: 'step-link',
                      'aria-label': `${alert.subject}: open details`,
                      text: alert.subject,
                      onclick: () => openDetail(alert.subject),
                    })
                  : null,
                ' ',
                el('span', { text: alert.message }),
              ),
            ),
            more > 0 ? el('li', { class: 'hint', text: `and ${more} more` }) : null,
          ),
    );
  }

  // The iteration's forecast end against its plan, and the critical path's first steps as links.
  function forecastBlock(forecast) {
    if (!forecast || !forecast.end || forecast.openSteps === 0) return null;
    const shown = forecast.criticalPath.slice(0, CRITICAL_SHOWN);
    const more = forecast.criticalPath.length - shown.length;
    return el(
      'div',
      { class: 'forecast', id: 'board-forecast' },
      el(
        'p',
        {},
        el('strong', { text: 'Forecast end ' }),
        el('span', { id: 'forecast-end', text: forecast.end.local }),
        forecast.plannedEnd ? ` · planned ${forecast.plannedEnd.local}` : ' · no planned end',
        forecast.lateByMinutes
          ? el('span', { class: 'late-tag', text: ` · late by ${formatMinutes(forecast.lateByMinutes)}` })
          : forecast.plannedEnd
            ? el('span', { class: 'on-time', text: ' · on time' })
            : null,
        el('span', { id: 'forecast-durations', text: ` · ${forecast.durations.label}` }),
      ),
      shown.length
        ? el(
            'p',
            { class: 'critical-path', id: 'critical-path' },
            el('span', { class: 'crit-tag', text: 'Critical path' }),
            ' ',
            ...shown.flatMap((step, i) => [
              i > 0 ? el('span', { 'aria-hidden': 'true', text: ' → ' }) : null,
              el('button', {
                type: 'button',
                class: 'step-link',
                'aria-label': `${step.id} (critical path, forecast end ${step.end.local}): open details`,
                text: step.id,
                onclick: () => openDetail(step.id),
              }),
            ]),
            more > 0 ? ` and ${more} more, ending ${forecast.criticalPath.at(-1).end.local}` : '',
          )
        : null,
    );
  }

  function countCell(value, cls) {
    return el('td', { class: `num ${value ? cls : ''}`, text: value });
  }

  function forecastCell(chapter) {
    if (!chapter || chapter.openSteps === 0) return el('td', { text: '–' });
    const day = chapter.end.local.slice(0, 10) === summary.forecast.asOf.local.slice(0, 10);
    return el(
      'td',
      { class: 'forecast-cell', 'data-chapter-forecast': chapter.name },
      el('time', {
        datetime: chapter.end.at,
        title: chapter.end.local,
        text: day
          ? formatClock(chapter.end.at, zone())
          : `${weekday(chapter.end.at)} ${formatClock(chapter.end.at, zone())}`,
      }),
      chapter.lateByMinutes
        ? el('span', {
            class: 'late-tag block',
            title: `late by ${formatMinutes(chapter.lateByMinutes)}`,
            text: `+${shortMinutes(chapter.lateByMinutes)}`,
          })
        : null,
    );
  }

  function weekday(at) {
    return new Intl.DateTimeFormat('en-GB', { timeZone: zone(), weekday: 'short' }).format(new Date(at));
  }

  function renderPhases() {
    const chapterForecasts = summary.forecast
      ? new Map(summary.forecast.chapters.map((c) => [c.name, c]))
      : null;
    phasesBox.replaceChildren(el('h3', { id: 'phases-title', text: 'Progress by phase' }));
    if (summary.phases.length === 0)
      phasesBox.append(el('p', { text: 'No step of the plan runs in this iteration.' }));
    for (const phase of summary.phases) {
      const c = phase.counts;
      const finished = c.done + c.cancelled;
      phasesBox.append(
        el(
          'div',
          { class: 'phase' },
          el(
            'h4',
            {},
            el('span', { text: phase.name }),
            el('span', { class: 'num', text: `${finished}/${c.total} done` }),
          ),
          el(
            'table',
            { class: 'chapters' },
            el('caption', { class: 'visually-hidden', text: `Chapters of ${phase.name}` }),
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                el('th', { scope: 'col', text: 'Chapter' }),
                ...['Done', 'In progress', 'Failed', 'On hold', 'Late'].map((h) =>
                  el('th', { scope: 'col', class: 'num', text: h }),
                ),
                chapterForecasts ? el('th', { scope: 'col', title: 'Forecast end', text: 'Forecast' }) : null,
              ),
            ),
            el(
              'tbody',
              {},
              ...phase.chapters.map(({ name, counts }) => {
                const done = counts.done + counts.cancelled;
                const width = counts.total ? Math.round((done * 100) / counts.total) : 0;
                return el(
                  'tr',
                  {},
                  el(
                    'th',
                    { scope: 'row' },
                    name,
                    chapterForecasts?.get(name)?.critical
                      ? el('span', { class: 'crit-tag small block', text: 'critical' })
                      : null,
                  ),
                  el(
                    'td',
                    { class: 'num' },
                    el(
                      'span',
                      { class: 'bar', 'aria-hidden': 'true' },
                      el('span', { style: `width:${width}%` }),
                    ),
                    `${done}/${counts.total}`,
                  ),
                  countCell(counts.inProgress, ''),
                  countCell(counts.failed, 'count-failed'),
                  countCell(counts.onHold, 'count-hold'),
                  countCell(counts.late, 'count-late'),
                  chapterForecasts ? forecastCell(chapterForecasts.get(name)) : null,
                );
              }),
            ),
          ),
        ),
      );
    }
  }

  function timeText(step) {
    const z = zone();
    if (step.status === 'IN_PROGRESS' || step.status === 'FAILED' || step.status === 'ON_HOLD') {
      if (!step.startedAt) return '';
      return `since ${formatClock(step.startedAt, z)} · ${formatMinutes(step.elapsedMinutes)}`;
    }
    if (step.status === 'DONE' || step.status === 'CANCELLED')
      return step.endedAt ? `ended ${formatClock(step.endedAt, z)}` : '';
    return step.durationMinutes ? `takes ${formatMinutes(step.durationMinutes)}` : '';
  }

  async function loadSteps() {
    if (!summary) return;
    const focusedId = document.activeElement?.dataset?.step ?? null;
    let page;
    try {
      page = await tab.api.get('/board/steps', {
        ...iterationQuery(),
        q: filters.q,
        team: filters.team,
        status: filters.status,
        phase: filters.phase,
        offset: filters.offset,
        limit: PAGE_SIZE,
      });
    } catch (error) {
      rows.replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'error', text: error.message })));
      return;
    }
    rows.replaceChildren(
      ...page.steps.map((step) =>
        el(
          'tr',
          { class: step.id === openStep ? 'selected' : '' },
          el(
            'td',
            {},
            el('button', {
              type: 'button',
              class: 'step-link',
              'data-step': step.id,
              'aria-label': `${step.id}${step.forecast?.critical ? ' (critical path)' : ''}: open details`,
              text: step.id,
              onclick: () => openDetail(step.id),
            }),
            step.forecast?.critical
              ? el('span', { class: 'crit-tag small', 'data-critical': step.id, text: 'critical' })
              : null,
          ),
          el('td', { text: step.title }),
          el('td', { text: step.team }),
          el(
            'td',
            {},
            el('span', { class: `status status-${step.status}`, text: STATUS_LABELS[step.status] }),
          ),
          el(
            'td',
            {},
            timeText(step),
            step.forecast && !step.forecast.finished
              ? el('span', {
                  class: 'forecast-end',
                  text: ` · ends ${formatClock(step.forecast.end.at, zone())}`,
                })
              : null,
            step.late
              ? el('span', {
                  class: 'late-tag',
                  text: ` late by ${formatMinutes(step.elapsedMinutes - step.durationMinutes)}`,
                })
              : null,
          ),
        ),
      ),
    );
    if (page.steps.length === 0)
      rows.append(el('tr', {}, el('td', { colspan: 5, text: 'No step matches these filters.' })));
    const from = page.total === 0 ? 0 : page.offset + 1;
    const to = page.offset + page.steps.length;
    footer.replaceChildren(
      el('span', { role: 'status', text: `Showing ${from}–${to} of ${page.total}` }),
      el(
        'span',
        {},
        el('button', {
          type: 'button',
          text: 'Previous',
          disabled: page.offset === 0,
          onclick: () => {
            filters.offset = Math.max(0, filters.offset - PAGE_SIZE);
            loadSteps();
          },
        }),
        ' ',
        el('button', {
          type: 'button',
          text: 'Next',
          disabled: to >= page.total,
          onclick: () => {
            filters.offset += PAGE_SIZE;
            loadSteps();
          },
        }),
      ),
    );
    if (focusedId) rows.querySelector(`[data-step="${CSS.escape(focusedId)}"]`)?.focus();
  }

  async function openDetail(id) {
    lastFocusedStep = id;
    openStep = id;
    outcome = null;
    await renderDetail();
    detailBox.focus();
    rows
      .querySelectorAll('tr')
      .forEach((tr) =>
        tr.classList.toggle('selected', tr.querySelector(`[data-step="${CSS.escape(id)}"]`) !== null),
      );
  }

  function closeDetail() {
    openStep = null;
    detailBox.hidden = true;
    rows.querySelectorAll('tr.selected').forEach((tr) => tr.classList.remove('selected'));
    if (lastFocusedStep) rows.querySelector(`[data-step="${CSS.escape(lastFocusedStep)}"]`)?.focus();
  }
  const onKey = (event) => {
    // Escape in the confirmation dialog closes the dialog, not the panel under it.
    if (event.key === 'Escape' && openStep && !document.querySelector('dialog[open]')) closeDetail();
  };
  document.addEventListener('keydown', onKey);

  async function renderDetail() {
    if (!openStep) return;
    let d;
    try {
      d = await tab.api.get(`/steps/${encodeURIComponent(openStep)}`, iterationQuery());
    } catch (error) {
      detailBox.hidden = false;
      detailBox.replaceChildren(
        el('p', { class: 'error', text: error.message }),
        el('button', { type: 'button', text: 'Close', onclick: closeDetail }),
      );
      return;
    }
    const z = d.timeZone;
    const reasonInput = el('input', { type: 'text', id: 'action-reason', maxlength: 500 });
    const act = async (action, extra = {}) => {
      const result = await tab.api
        .post(`/steps/${encodeURIComponent(d.id)}/actions`, {
          action,
          iteration: d.iteration,
          seen: extra.task ? d.tasks.find((t) => t.id === extra.task)?.status : d.status,
          reason: reasonInput.value,
          ...extra,
        })
        .catch((error) => ({ outcome: 'refused', message: error.message }));
      // Done on a go/no-go step with controls of its phase open or failed: a pilot may go on after
      // a confirmation, which sends Done again with the acknowledgement (recorded in the audit).
      if (
        result.outcome === 'refused' &&
        result.code === 'CONTROLS_NOT_PASSED' &&
        tab.user?.role === 'pilot' &&
        !extra.acknowledgeControls &&
        (await confirmDialog(result.message, `Mark ${d.id} done anyway`))
      ) {
        return act(action, { ...extra, acknowledgeControls: true });
      }
      tab.announce(result.message);
      outcome = result;
      await renderDetail();
      scheduleRefresh(0);
    };
    const actionButtons = (offered, extra = {}) =>
      offered.map((o) =>
        el('button', {
          type: 'button',
          class:
            o.action === 'fail' || o.action === 'cancel'
              ? 'danger'
              : o.action === 'start' || o.action === 'done'
                ? 'primary'
                : '',
          text: o.force ? 'Force start' : ACTION_LABELS[o.action],
          'aria-label': `${o.force ? 'Force start' : ACTION_LABELS[o.action]} ${extra.task ?? d.id}`,
          onclick: () => act(o.action, { ...extra, ...(o.force ? { force: true } : {}) }),
        }),
      );
    const needsReason =
      d.actions.step.some((o) => ['fail', 'hold', 'cancel'].includes(o.action)) ||
      Object.values(d.actions.tasks).some((list) =>
        list.some((o) => ['fail', 'hold', 'cancel'].includes(o.action)),
      );
    const status = d.ready ? 'READY' : d.status;
    // A refresh replaces the panel's content: keep the keyboard user in the panel.
    const hadFocus = detailBox.contains(document.activeElement) || document.activeElement === document.body;
    detailBox.hidden = false;
    detailBox.replaceChildren(
      el(
        'header',
        {},
        el('h2', { id: 'detail-title', text: `${d.id}: ${d.title}` }),
        el('button', {
          type: 'button',
          text: 'Close',
          'aria-label': 'Close the step details',
          onclick: closeDetail,
        }),
      ),
      outcome
        ? el('p', {
            class: `outcome ${outcome.outcome}`,
            role: outcome.outcome === 'refused' ? 'alert' : 'status',
            text: outcome.message,
          })
        : '', // replaceChildren would write null out as text
      el(
        'dl',
        { class: 'facts' },
        ...[
          ['Status', el('span', { class: `status status-${status}`, text: STATUS_LABELS[status] })],
          ['Iteration', `${d.iteration} (${(d.iterationStatus ?? '').toLowerCase()})`],
          ['Phase', d.phase],
          ['Chapter', d.chapter],
          ['Team', d.team],
          ['Environment', d.environment || '–'],
          ['Duration', d.durationMinutes ? formatMinutes(d.durationMinutes) : '–'],
          ['Started', d.startedAt ? `${formatLocalTime(d.startedAt, z)} by ${d.startedBy}` : '–'],
          ['Ended', d.endedAt ? `${formatLocalTime(d.endedAt, z)} by ${d.endedBy}` : '–'],
          d.forecast && !d.forecast.finished
            ? ['Forecast', `${d.forecast.start.local} → ${d.forecast.end.local}`]
            : null,
          d.forecast && !d.forecast.finished
            ? [
                'Critical path',
                d.forecast.critical
                  ? el(
                      'span',
                      { id: 'detail-critical' },
                      el('span', { class: 'crit-tag', text: 'On the critical path' }),
                      ' any delay moves the iteration’s end',
                    )
                  : el('span', { id: 'detail-critical', text: 'No: it has slack' }),
              ]
            : null,
          d.forecast?.waitsFor && !d.forecast.finished ? ['Waits for', d.forecast.waitsFor] : null,
          d.reason ? ['Reason', d.reason] : null,
          d.instructionsUrl
            ? [
                'Instructions',
                el('a', {
                  href: d.instructionsUrl,
                  target: '_blank',
                  rel: 'noopener noreferrer',
                  text: 'open',
                }),
              ]
            : null,
        ]
          .filter(Boolean)
          .flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, v)]),
      ),
      d.actions.step.length || needsReason
        ? el(
            'div',
            { class: 'actions', role: 'group', 'aria-label': `Actions on ${d.id}` },
            needsReason
              ? el(
                  'label',
                  { class: 'field', for: 'action-reason' },
                  el('span', { text: 'Reason (fail, hold, cancel)' }),
                  reasonInput,
                )
              : null,
            ...actionButtons(d.actions.step),
          )
        : el('p', {
            class: 'hint',
            text:
              d.iterationStatus === 'ACTIVE'
                ? 'Your role allows no action on this step now.'
                : 'The iteration is not active: read only.',
          }),
      el('h3', { text: `Tasks (${d.tasks.length})` }),
      list(d.tasks, (t) => [
        el(
          'span',
          {},
          `${t.id} · ${t.team} · `,
          el('span', { class: `status status-${t.status}`, text: STATUS_LABELS[t.status] }),
        ),
        el('span', { class: 'actions' }, ...actionButtons(d.actions.tasks[t.id] ?? [], { task: t.id })),
      ]),
      ...(d.phaseControls ? phaseControlsSection(d) : []),
      el('h3', { text: `Controls (${d.controls.length})` }),
      list(d.controls, controlRow),
      el('h3', { text: `Predecessors (${d.predecessors.length})` }),
      list(d.predecessors, (p) => linkRow(p)),
      el('h3', { text: `Successors (${d.successors.length})` }),
      list(d.successors, (s) => linkRow(s)),
      el('h3', { text: 'Audit trail' }),
      el(
        'ul',
        { class: 'plain-list trail' },
        ...(d.trail.length ? d.trail : [null]).map((e) =>
          e
            ? el(
                'li',
                {},
                el('time', { datetime: e.at, text: formatLocalTime(e.at, z) }),
                `${e.actorName || e.actor}: ${e.type}${e.subject !== d.id ? ` (${e.subject})` : ''}`,
                e.from && e.to ? ` ${e.from} → ${e.to}` : '',
                e.source ? ` via ${e.source}` : '',
                e.reason ? ` · “${e.reason}”` : '',
                e.message && !e.reason ? ` · ${e.message}` : '',
              )
            : el('li', { text: 'Nothing recorded yet.' }),
        ),
      ),
    );
    if (hadFocus) detailBox.focus();
  }

  function list(items, row) {
    if (items.length === 0) return el('p', { class: 'hint', text: 'None.' });
    return el('ul', { class: 'plain-list' }, ...items.map((item) => el('li', {}, ...row(item))));
  }

  function controlRow(c) {
    const decided = c.result === 'PASSED' || c.result === 'FAILED';
    return [
      el('span', { text: `${c.id} ${c.name} · ${c.producer} → ${c.validator}` }),
      el('span', {
        class: `control-result control-${c.result}`,
        text: `${c.result}${decided ? (c.confirmed ? ' · confirmed' : ' · not confirmed') : ''}`,
      }),
    ];
  }

  /** A go/no-go step: the controls of its phase, failed and open first, and the warning before Done. */
  function phaseControlsSection(d) {
    const blocking = d.phaseControls.controls.filter((c) => c.result === 'OPEN' || c.result === 'FAILED');
    const finished = d.status === 'DONE' || d.status === 'CANCELLED';
    return [
      el('h3', { id: 'phase-controls', text: d.phaseControls.heading }),
      blocking.length && !finished
        ? el('p', {
            class: 'warning-note',
            text: `Not passed: ${blocking
              .slice(0, 8)
              .map((c) => `${c.id} ${c.result}`)
              .join(
                ', ',
              )}${blocking.length > 8 ? ` and ${blocking.length - 8} more` : ''}. Done asks a pilot to acknowledge them.`,
          })
        : null,
      list(d.phaseControls.controls, controlRow),
    ].filter(Boolean);
  }

  function linkRow(link) {
    return [
      el('button', { type: 'button', class: 'step-link', text: link.id, onclick: () => openDetail(link.id) }),
      el('span', { class: `status status-${link.status}`, text: STATUS_LABELS[link.status] }),
    ];
  }

  async function refresh() {
    if (disposed) return;
    if (await loadSummary()) await Promise.all([loadSteps(), openStep ? renderDetail() : null]);
  }

  // At most one refresh waits: a steady stream of changes (a busy night, a simulated rehearsal at
  // 60x) refreshes every `delay` rather than postponing it for as long as the stream lasts.
  function scheduleRefresh(delay = 150) {
    if (refreshTimer !== null && delay > 0) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      refresh();
    }, delay);
  }

  const unsubscribe = tab.onChange((change) => {
    if (change.type === 'reset' || change.type.startsWith('plan.') || change.type.startsWith('iteration.'))
      scheduleRefresh();
    else if (
      summary &&
      change.iteration === summary.iteration.name &&
      /^(step|task|control|alert)\./.test(change.type)
    )
      scheduleRefresh();
  });
  // Elapsed times and lateness move with the clock, not only with changes.
  const clock = setInterval(() => scheduleRefresh(0), 60_000);

  await refresh();
  return {
    unmount() {
      disposed = true;
      unsubscribe();
      document.removeEventListener('keydown', onKey);
      clearInterval(clock);
      clearTimeout(refreshTimer);
    },
  };
}

/** A modal confirmation inside the page (Teams hosts the tab in a frame, where window.confirm is unreliable). */
function confirmDialog(text, okText) {
  return new Promise((resolve) => {
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const dialog = el(
      'dialog',
      { class: 'confirm-dialog', 'aria-labelledby': 'confirm-dialog-text' },
      el('p', { id: 'confirm-dialog-text', text }),
      el(
        'div',
        { class: 'actions' },
        el('button', { type: 'button', class: 'danger', text: okText, onclick: () => close(true) }),
        el('button', { type: 'button', text: 'Back', onclick: () => close(false) }),
      ),
    );
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
