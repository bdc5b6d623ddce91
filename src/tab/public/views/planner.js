// The Planner view: the macro-plan of the chosen iteration, day by day and hour by hour in the
// iteration's time zone. Phases and chapters go down, days × hours go across; each chapter has its
// planned bar above and its actual bar below, late chapters say so in words and colour, and a line
// marks now. Pilots change a chapter's planned start and end in place; the server (the engine)
// validates and audits, and its words are shown as they are. Everything it draws comes from
// GET /tab/api/planner, positions included (the server computes the grid, so time zones and
// clock changes are handled in one place).
import { el } from '../format.js';
import { loadViewStyles } from './view-styles.js';

const HOUR_PX = 28;
const REFRESH_MS = 60_000;

const percent = (fraction) => `${(fraction * 100).toFixed(3)}%`;

/** A fraction of the whole day as a fraction of its visible hours. */
function within(fraction, day, window) {
  return (fraction * day.hours.length - window.from) / (window.to - window.from);
}

function bar(segment, classes, day, window) {
  const node = el('span', {
    class: [
      'pl-bar',
      ...classes,
      segment.continuesBefore ? 'cont-before' : '',
      segment.continuesAfter ? 'cont-after' : '',
    ]
      .filter(Boolean)
      .join(' '),
  });
  // Set through the CSSOM: the tab's content security policy refuses inline style attributes.
  const left = Math.max(0, within(segment.left, day, window));
  const right = Math.min(1, within(segment.left + segment.width, day, window));
  node.style.left = percent(left);
  node.style.width = percent(Math.max(0, right - left));
  return node;
}

/** `Fri 18 Sept 18:00 → 23:10`: the end's date only when it is another day. */
function span(start, end) {
  if (!end) return `${start.label} → running`;
  const sameDay = start.local.slice(0, 10) === end.local.slice(0, 10);
  return `${start.label} → ${sameDay ? end.local.slice(11) : end.label}`;
}

function timesText(row) {
  const planned = row.planned ? `Plan ${span(row.planned.start, row.planned.end)}` : 'Not planned';
  const actual = row.actual.start ? `Actual ${span(row.actual.start, row.actual.end)}` : '';
  const late = row.forecast?.lateByMinutes ? `, ${row.forecast.lateByMinutes} min past plan` : '';
  const forecast = row.forecast ? `Forecast end ${row.forecast.end.label}${late}` : '';
  return [planned, actual, forecast].filter(Boolean);
}

/**
 * The hours of each day worth showing: from the hour before the first bar (or the now line) to the
 * hour after the last, so the grid does not scroll through empty nights. The export prints whole days.
 */
function visibleHours(view) {
  const rows = view.phases.flatMap((phase) => [phase, ...phase.chapters]);
  return view.days.map((day, index) => {
    const n = day.hours.length;
    let from = n;
    let to = 0;
    const take = (left, right) => {
      from = Math.min(from, Math.floor(left * n));
      to = Math.max(to, Math.ceil(right * n));
    };
    for (const row of rows) {
      for (const s of [...row.segments.planned, ...row.segments.actual, ...(row.segments.forecast ?? [])]) {
        if (s.day === index) take(s.left, s.left + s.width);
      }
    }
    if (view.now && view.now.day === index) take(view.now.left, view.now.left);
    if (from > to) return { from: 0, to: n };
    return { from: Math.max(0, from - 1), to: Math.min(n, Math.max(to + 1, from + 4)) };
  });
}

/** Mounts the view; see app.js for `tab`. */
export async function mountView(container, tab) {
  await loadViewStyles('planner');
  let view = null;
  let windows = [];
  let scrolledToNow = false;
  let editing = null; // { chapter, row } while a form is open
  let refreshPending = false;
  let disposed = false;
  const root = el('section', { class: 'planner', 'aria-label': 'Planner' });
  container.append(root);

  async function load() {
    if (disposed) return;
    if (editing) {
      // A live change must not wipe out what a pilot is typing; it is applied once the form closes.
      refreshPending = true;
      return;
    }
    try {
      view = await tab.api.get('/planner', { iteration: tab.iteration });
    } catch (error) {
      root.replaceChildren(
        el('h2', { text: 'Planner' }),
        el('p', { class: 'notice', text: error.message }),
        el('p', { class: 'pl-note', text: 'Choose an iteration above to see its plan.' }),
      );
      return;
    }
    render();
  }

  function render() {
    const { iteration, totals } = view;
    const focusId = document.activeElement?.id;
    const header = el(
      'div',
      { class: 'pl-head' },
      el('h2', { id: 'planner-title', text: `Macro-plan · ${iteration.name}` }),
      el('span', {
        class: 'pl-meta',
        text: `Times in ${iteration.timeZone} · ${iteration.status.toLowerCase()} · updated ${view.generatedAt.label}`,
      }),
      el('span', {
        class: 'pl-meta',
        text: `${totals.chapters} chapters, ${totals.late} late · ${totals.finished} of ${totals.steps} steps finished`,
      }),
      view.now
        ? el('span', { class: 'pl-now-label', text: `Now: ${view.generatedAt.label.slice(11)}` })
        : null,
      view.forecast
        ? el('span', {
            class: `pl-forecast-end${view.forecast.lateByMinutes ? ' late' : ''}`,
            id: 'planner-forecast-end',
            text:
              `Forecast end ${view.forecast.end.label}` +
              (view.forecast.plannedEnd ? ` (planned ${view.forecast.plannedEnd.label})` : '') +
              (view.forecast.lateByMinutes ? `, late by ${view.forecast.lateByMinutes} min` : '') +
              (view.durations ? ` · ${view.durations.label}` : ''),
          })
        : null,
      durationsControl(),
      el(
        'div',
        { class: 'pl-actions' },
        el('button', {
          type: 'button',
          id: 'planner-export-html',
          text: 'Download plan (HTML)',
          onclick: () => download('/planner/export.html'),
        }),
        el('button', {
          type: 'button',
          id: 'planner-export-xlsx',
          text: 'Download board (XLSX)',
          onclick: () => download('/board/export.xlsx'),
        }),
        el('button', {
          type: 'button',
          id: 'report-html',
          text: 'Report (HTML)',
          title: `The rehearsal report of ${iteration.name}: planned against actual, delays and their causes`,
          onclick: () => download('/report.html'),
        }),
        el('button', {
          type: 'button',
          id: 'report-csv',
          text: 'Report (CSV)',
          onclick: () => download('/report.csv'),
        }),
        el('button', {
          type: 'button',
          id: 'comparison-html',
          text: 'Comparison (HTML)',
          title: 'Actual durations across iterations, the trend and the learned durations',
          onclick: () => download('/comparison.html'),
        }),
        el('button', {
          type: 'button',
          id: 'comparison-csv',
          text: 'Comparison (CSV)',
          onclick: () => download('/comparison.csv'),
        }),
      ),
    );
    const legend = el(
      'ul',
      { class: 'pl-legend', 'aria-label': 'Legend' },
      el('li', {}, el('span', { class: 'pl-swatch planned' }), 'Planned'),
      el('li', {}, el('span', { class: 'pl-swatch actual' }), 'Actual'),
      el('li', {}, el('span', { class: 'pl-swatch running' }), 'Still running'),
      view.forecast ? el('li', {}, el('span', { class: 'pl-swatch forecast' }), 'Forecast') : null,
      view.forecast
        ? el('li', {}, el('span', { class: 'pl-crit', text: 'critical' }), 'On the critical path')
        : null,
      el('li', {}, el('span', { class: 'pl-swatch late' }), 'Late'),
      el('li', {}, el('span', { class: 'pl-swatch phase' }), 'Phase span'),
      view.now ? el('li', {}, el('span', { class: 'pl-swatch now' }), 'Now') : null,
    );
    const note = view.canEdit
      ? el('p', {
          class: 'pl-note',
          text: `As a pilot you can change a chapter's planned start and end: "Edit plan" on its row.`,
        })
      : el('p', { class: 'pl-note', text: 'Read only: only pilots change chapter plans.' });
    const children = [header, legend, note];
    if (view.days.length === 0) {
      children.push(
        el('p', { class: 'notice', text: 'No chapter of this iteration has a plan or has run yet.' }),
      );
    }
    children.push(el('div', { class: 'pl-scroll', tabindex: '0', 'aria-label': 'Hour grid' }, grid()));
    const scroller = children[children.length - 1];
    const previousScroll = root.querySelector('.pl-scroll');
    const keep = previousScroll ? { left: previousScroll.scrollLeft, top: previousScroll.scrollTop } : null;
    root.replaceChildren(...children);
    if (keep) {
      scroller.scrollLeft = keep.left;
      scroller.scrollTop = keep.top;
    } else if (!scrolledToNow) {
      // First look: bring the now line into view, a third from the left edge of the hours.
      scrolledToNow = true;
      const line = scroller.querySelector('[data-now]');
      const label = scroller.querySelector('thead .pl-label');
      if (line && label) {
        const offset = line.getBoundingClientRect().left - scroller.getBoundingClientRect().left;
        const hoursWidth = scroller.clientWidth - label.offsetWidth;
        scroller.scrollLeft = Math.max(0, offset - label.offsetWidth - hoursWidth / 3);
      }
    }
    if (focusId) document.getElementById(focusId)?.focus();
  }

  function grid() {
    const { days } = view;
    windows = visibleHours(view);
    const dayHeads = [];
    const hourHeads = [];
    days.forEach((day, index) => {
      if (index > 0 && day.start > days[index - 1].end) {
        const gap = Math.round((day.start - days[index - 1].end) / 86_400_000);
        const text = `${gap} day${gap > 1 ? 's' : ''} without a planned or running chapter`;
        dayHeads.push(
          el(
            'th',
            { class: 'pl-gap', rowspan: '2', title: text },
            el('span', { 'aria-label': text, text: '…' }),
          ),
        );
      }
      const window = windows[index];
      dayHeads.push(
        el(
          'th',
          { scope: 'colgroup', class: 'pl-day-head' },
          day.label,
          day.note ? el('span', { class: 'pl-day-note', text: day.note }) : null,
        ),
      );
      const shown = day.hours.slice(window.from, window.to);
      const hours = el(
        'div',
        { class: 'pl-hours', 'aria-hidden': 'true' },
        ...shown.map((h) => el('span', { text: h.label })),
      );
      hours.style.width = `${shown.length * HOUR_PX}px`;
      hourHeads.push(el('th', { class: 'pl-hours-head' }, hours));
    });
    const thead = el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { class: 'pl-label', rowspan: '2', scope: 'col', text: 'Phase / chapter' }),
        ...dayHeads,
      ),
      el('tr', {}, ...hourHeads),
    );
    const bodies = view.phases.map((phase) =>
      el('tbody', {}, row(phase, true), ...phase.chapters.flatMap((chapter) => chapterRows(chapter))),
    );
    return el('table', { class: 'pl-grid', 'aria-labelledby': 'planner-title' }, thead, ...bodies);
  }

  function chapterRows(chapter) {
    const rows = [row(chapter, false)];
    if (editing?.chapter === chapter.name) rows.push(editRow(chapter));
    return rows;
  }

  function lanes(rowData, isPhase) {
    const cells = [];
    view.days.forEach((day, index) => {
      if (index > 0 && day.start > view.days[index - 1].end) cells.push(el('td', { class: 'pl-gap' }));
      const window = windows[index];
      const track = el('div', { class: 'pl-track' });
      track.style.width = `${(window.to - window.from) * HOUR_PX}px`;
      for (let h = 1; h < window.to - window.from; h++) {
        const tick = el('span', { class: 'pl-tick' });
        tick.style.left = percent(h / (window.to - window.from));
        track.append(tick);
      }
      const planned = rowData.segments.planned.filter((s) => s.day === index);
      const actual = rowData.segments.actual.filter((s) => s.day === index);
      // Drawn first, so the actual bar lies over the part already run.
      (rowData.segments.forecast ?? [])
        .filter((s) => s.day === index)
        .forEach((s) => track.append(bar(s, ['forecast', isPhase ? 'phase-forecast' : ''], day, window)));
      if (isPhase) planned.forEach((s) => track.append(bar(s, ['phase'], day, window)));
      else {
        planned.forEach((s) => track.append(bar(s, ['planned'], day, window)));
        const running = rowData.state === 'running';
        actual.forEach((s) =>
          track.append(bar(s, ['actual', running && !s.continuesAfter ? 'running' : ''], day, window)),
        );
      }
      if (view.now && view.now.day === index) {
        const line = el('span', { class: 'pl-now', 'data-now': 'true' });
        line.style.left = percent(within(view.now.left, day, window));
        track.append(line);
      }
      cells.push(el('td', { class: 'pl-cell', 'aria-hidden': 'true' }, track));
    });
    return cells;
  }

  function row(rowData, isPhase) {
    const badge = rowData.late ? el('span', { class: 'pl-badge', text: 'LATE' }) : null;
    const critical = rowData.forecast?.critical
      ? el('span', { class: 'pl-crit', 'data-critical-chapter': rowData.name, text: 'critical' })
      : null;
    const editButton =
      !isPhase && view.canEdit
        ? el('button', {
            type: 'button',
            class: 'pl-edit-button',
            id: `plan-edit-${slug(rowData.name)}`,
            'aria-label': `Edit plan of ${rowData.name}`,
            text: 'Edit plan',
            'aria-expanded': String(editing?.chapter === rowData.name),
            onclick: () => openForm(rowData),
          })
        : null;
    const label = el(
      'th',
      { scope: isPhase ? 'rowgroup' : 'row', class: 'pl-label' },
      el(
        'div',
        { class: 'pl-name' },
        el('strong', { text: rowData.name }),
        el('span', {}, badge, ' ', critical, ' ', editButton),
      ),
      ...timesText(rowData).map((text) => el('span', { class: 'pl-times', text })),
      el('span', { class: 'pl-times', text: rowData.statusText }),
    );
    return el(
      'tr',
      {
        class: `${isPhase ? 'pl-phase' : 'pl-chapter'}${rowData.late ? ' pl-late' : ''}`,
        'data-chapter': isPhase ? null : rowData.name,
      },
      label,
      ...lanes(rowData, isPhase),
    );
  }

  function openForm(chapter) {
    editing = { chapter: chapter.name };
    render();
    document.getElementById('plan-start')?.focus();
  }

  function closeForm(chapterName) {
    editing = null;
    if (refreshPending) {
      refreshPending = false;
      load().then(() => document.getElementById(`plan-edit-${slug(chapterName)}`)?.focus());
      return;
    }
    render();
    document.getElementById(`plan-edit-${slug(chapterName)}`)?.focus();
  }

  function editRow(chapter) {
    const zone = view.iteration.timeZone;
    const error = el('p', { class: 'pl-form-error', id: 'plan-error', role: 'alert' });
    const start = el('input', {
      type: 'datetime-local',
      id: 'plan-start',
      required: true,
      value: chapter.planned?.start.local ?? '',
      'aria-describedby': 'plan-error',
    });
    const end = el('input', {
      type: 'datetime-local',
      id: 'plan-end',
      required: true,
      value: chapter.planned?.end.local ?? '',
      'aria-describedby': 'plan-error',
    });
    const save = el('button', { type: 'submit', class: 'primary', text: 'Save plan' });
    const form = el(
      'form',
      {
        class: 'pl-form',
        'aria-label': `Plan of ${chapter.name}`,
        onkeydown: (event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            closeForm(chapter.name);
          }
        },
        onsubmit: async (event) => {
          event.preventDefault();
          start.removeAttribute('aria-invalid');
          end.removeAttribute('aria-invalid');
          error.textContent = '';
          if (!start.value || !end.value) {
            const missing = !start.value ? start : end;
            missing.setAttribute('aria-invalid', 'true');
            error.textContent = `Give the planned ${missing === start ? 'start' : 'end'} (date and time, ${zone}).`;
            missing.focus();
            return;
          }
          save.disabled = true;
          try {
            const result = await tab.api.put('/planner/chapter', {
              iteration: view.iteration.name,
              chapter: chapter.name,
              start: start.value,
              end: end.value,
              seen: chapter.planned
                ? { start: chapter.planned.start.local, end: chapter.planned.end.local }
                : null,
            });
            tab.announce(result.message);
            editing = null;
            refreshPending = false;
            await load();
            document.getElementById(`plan-edit-${slug(chapter.name)}`)?.focus();
          } catch (failure) {
            save.disabled = false;
            // The engine's words, as they are: they name the bad input.
            error.textContent = failure.message;
            const culprit = /^(the )?start\b/i.test(failure.message) ? start : end;
            if (failure.status === 422) culprit.setAttribute('aria-invalid', 'true');
            culprit.focus();
          }
        },
      },
      el(
        'fieldset',
        {},
        el('legend', { text: `Plan of ${chapter.name} in ${view.iteration.name} (${zone})` }),
        el('label', { for: 'plan-start' }, `Planned start (${zone})`, start),
        el('label', { for: 'plan-end' }, `Planned end (${zone})`, end),
        save,
        el('button', { type: 'button', text: 'Cancel', onclick: () => closeForm(chapter.name) }),
        error,
      ),
    );
    return el(
      'tr',
      { class: 'pl-form-row' },
      el('td', { colspan: String(1 + view.days.length + gapCount()) }, form),
    );
  }

  // Which durations the forecast uses. A pilot switches them while the iteration is not closed; the
  // engine decides and audits (PUT /iterations/:name/durations), and its words are announced.
  function durationsControl() {
    const durations = view.durations;
    if (!durations) return null;
    const { iteration } = view;
    if (!view.canEdit || iteration.status === 'CLOSED') {
      return el('span', {
        class: 'pl-meta',
        id: 'planner-durations',
        text: `Forecast with ${durations.label}`,
      });
    }
    const select = el(
      'select',
      {
        id: 'planner-durations-basis',
        onchange: async () => {
          select.disabled = true;
          try {
            const result = await tab.api.put(`/iterations/${encodeURIComponent(iteration.name)}/durations`, {
              basis: select.value,
            });
            tab.announce(
              result.durations ? `The forecast now uses ${result.durations.label}` : result.message,
            );
          } catch (error) {
            tab.announce(error.message);
          }
          await load();
        },
      },
      el('option', { value: 'indicative', text: 'Indicative durations' }),
      el('option', { value: 'learned', text: 'Learned durations (median of earlier actuals)' }),
    );
    select.value = durations.basis;
    return el(
      'span',
      { class: 'pl-durations' },
      el('label', { for: 'planner-durations-basis', text: 'Forecast with ' }),
      select,
      el('span', { class: 'pl-meta', id: 'planner-durations', text: ` ${durations.label}` }),
    );
  }

  async function download(path) {
    const url = new URL(`/tab/api${path}`, location.origin);
    if (tab.iteration) url.searchParams.set('iteration', tab.iteration);
    try {
      const response = await fetch(url, { headers: await tab.api.headers() });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw new Error(body.error ?? `HTTP ${response.status}`);
      }
      const name =
        /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'export';
      const link = el('a', { href: URL.createObjectURL(await response.blob()), download: name });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      tab.announce(`Downloaded ${name}`);
    } catch (error) {
      tab.announce(`The download failed: ${error.message}`);
    }
  }

  let timer = null;
  const unsubscribe = tab.onChange((change) => {
    // A reset, a change in this iteration, an import or a chapter plan: re-read (coalesced).
    if (change.type !== 'reset' && view && change.iteration && change.iteration !== view.iteration.name)
      return;
    clearTimeout(timer);
    timer = setTimeout(load, 250);
  });
  // The now line moves and running bars grow: re-read every minute while the iteration is active.
  const ticker = setInterval(() => {
    if (view?.iteration.status === 'ACTIVE') load();
  }, REFRESH_MS);

  await load();
  return {
    unmount() {
      disposed = true;
      clearTimeout(timer);
      clearInterval(ticker);
      unsubscribe();
    },
  };

  function gapCount() {
    return view.days.filter((day, index) => index > 0 && day.start > view.days[index - 1].end).length;
  }
}

function slug(name) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
