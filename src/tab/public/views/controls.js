// The Controls view: every control against every iteration with its result (OPEN, PASSED,
// FAILED, CANCELLED), who set it when and who confirmed it, filtered by phase, producer team,
// validator team, result (in the chosen iteration, or in any) and text. The server filters and
// pages (GET /tab/api/controls); "Show more" fetches the next page. In the active iteration's
// column, the producer team, the validator team and pilots get the buttons of their role (Passed,
// Failed, Confirm, and a pilot's Cancel and Reopen), with the note typed above the grid; the engine
// decides (POST /tab/api/controls/:id/actions) and its answer is shown and announced.
import { el } from '../format.js';
import { loadViewStyles } from './view-styles.js';

const PAGE = 200;

function select(id, label, choices, anyText) {
  return el(
    'label',
    { class: 'field', for: id },
    el('span', { text: label }),
    el(
      'select',
      { id, name: id },
      el('option', { value: '', text: anyText }),
      ...choices.map((choice) =>
        el('option', { value: choice.value ?? choice, text: choice.text ?? choice }),
      ),
    ),
  );
}

/** Mounts the view; see app.js for `tab`. */
export async function mountView(container, tab) {
  await loadViewStyles('controls');
  const root = el('section', { class: 'controls-view', 'aria-labelledby': 'controls-title' });
  container.append(root);
  let grid = null;
  let rows = [];
  let filtersBuilt = false;
  let request = 0;
  let timer = null;
  const status = el('p', { class: 'cg-status', role: 'status', 'aria-live': 'polite' });
  const tableHolder = el('div', { class: 'cg-scroll', tabindex: '0', 'aria-label': 'Controls by iteration' });
  const more = el('button', { type: 'button', text: 'Show more', hidden: true, onclick: () => load(true) });
  const outcome = el('p', { class: 'cg-outcome', hidden: true });
  const note = el('input', { type: 'text', id: 'cg-note', name: 'note', maxlength: 500 });
  const noteField = el(
    'label',
    { class: 'field cg-note', for: 'cg-note', hidden: true },
    el('span', { text: 'Note for the result you set or confirm' }),
    note,
  );
  const ACTION_LABELS = {
    pass: 'Passed',
    fail: 'Failed',
    confirm: 'Confirm',
    cancel: 'Cancel',
    reopen: 'Reopen',
  };

  async function act(row, action) {
    const iteration = grid.activeIteration;
    const result = await tab.api
      .post(`/controls/${encodeURIComponent(row.id)}/actions`, {
        action,
        iteration,
        seen: row.results[iteration].result,
        note: note.value,
      })
      .catch((error) => ({ outcome: 'refused', message: error.message }));
    outcome.hidden = false;
    outcome.className = `cg-outcome outcome ${result.outcome}`;
    outcome.setAttribute('role', result.outcome === 'refused' ? 'alert' : 'status');
    outcome.textContent = result.message;
    tab.announce(result.message);
    if (result.outcome === 'applied') note.value = '';
    await load(false);
  }
  const form = el('form', {
    class: 'filters',
    role: 'search',
    'aria-label': 'Filter controls',
    onsubmit: (e) => e.preventDefault(),
  });

  function filterValues() {
    const value = (id) => document.getElementById(id)?.value ?? '';
    return {
      text: value('cg-text'),
      phase: value('cg-phase'),
      producer: value('cg-producer'),
      validator: value('cg-validator'),
      result: value('cg-result'),
      resultIn: value('cg-result') ? (tab.iteration ?? '') : '',
    };
  }

  function buildFilters() {
    const text = el('input', {
      type: 'search',
      id: 'cg-text',
      name: 'text',
      placeholder: 'C0042-b or a name',
    });
    form.replaceChildren(
      el('label', { class: 'field', for: 'cg-text' }, el('span', { text: 'Search' }), text),
      select('cg-phase', 'Phase', grid.phases, 'Any phase'),
      select('cg-producer', 'Producer', grid.teams, 'Any team'),
      select('cg-validator', 'Validator', grid.teams, 'Any team'),
      select(
        'cg-result',
        tab.iteration ? `Result in ${tab.iteration}` : 'Result in any iteration',
        ['OPEN', 'PASSED', 'FAILED', 'CANCELLED'].map((r) => ({
          value: r,
          text: r.charAt(0) + r.slice(1).toLowerCase(),
        })),
        'Any result',
      ),
    );
    form.addEventListener('change', () => load(false));
    text.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => load(false), 250);
    });
    filtersBuilt = true;
  }

  async function load(append) {
    const mine = ++request;
    const query = { ...(filtersBuilt ? filterValues() : {}), offset: append ? rows.length : 0, limit: PAGE };
    let page;
    try {
      page = await tab.api.get('/controls', query);
    } catch (error) {
      status.textContent = error.message;
      return;
    }
    if (mine !== request) return; // a later filter change won
    grid = page;
    rows = append ? rows.concat(page.rows) : page.rows;
    if (!filtersBuilt) buildFilters();
    render();
  }

  function cell(row, iteration) {
    const result = row.results[iteration.name];
    const label = result.result.charAt(0) + result.result.slice(1).toLowerCase();
    const decided = result.result === 'PASSED' || result.result === 'FAILED';
    const actions = iteration.name === grid.activeIteration ? row.actions : [];
    return el(
      'td',
      { class: `cg-cell cg-${result.result}` },
      el('span', { class: 'cg-result', text: label }),
      result.byName ? el('span', { class: 'cg-who', text: result.byName }) : null,
      result.atLabel ? el('span', { class: 'cg-who', text: result.atLabel }) : null,
      result.confirmedByName
        ? el('span', { class: 'cg-confirmed', text: `✓ confirmed by ${result.confirmedByName}` })
        : decided
          ? el('span', { class: 'cg-who', text: 'not confirmed' })
          : null,
      actions.length
        ? el(
            'span',
            { class: 'cg-actions', role: 'group', 'aria-label': `Actions on ${row.id}` },
            ...actions.map((action) =>
              el('button', {
                type: 'button',
                class:
                  action === 'fail' || action === 'cancel' ? 'danger' : action === 'pass' ? 'primary' : '',
                text: ACTION_LABELS[action] ?? action,
                'aria-label': `${ACTION_LABELS[action] ?? action} ${row.id}`,
                onclick: () => act(row, action),
              }),
            ),
          )
        : null,
    );
  }

  function render() {
    const table = el(
      'table',
      { class: 'cg-grid', 'aria-labelledby': 'controls-title' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col', class: 'cg-id', text: 'Control' }),
          el('th', { scope: 'col', text: 'Name' }),
          el('th', { scope: 'col', text: 'Producer' }),
          el('th', { scope: 'col', text: 'Validator' }),
          el('th', { scope: 'col', text: 'Phases' }),
          ...grid.iterations.map((it) =>
            el(
              'th',
              { scope: 'col', class: it.name === tab.iteration ? 'cg-chosen' : null },
              it.name,
              el('span', { class: 'cg-sub', text: it.status.toLowerCase() }),
            ),
          ),
        ),
      ),
      el(
        'tbody',
        {},
        ...rows.map((row) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row', class: 'cg-id', text: row.id }),
            el('td', { class: 'cg-name', text: row.name }),
            el('td', { text: row.producer }),
            el('td', { text: row.validator }),
            el('td', { class: 'cg-phases', text: row.phases.join(', ') }),
            ...grid.iterations.map((it) => cell(row, it)),
          ),
        ),
      ),
    );
    tableHolder.replaceChildren(table);
    status.textContent = `${rows.length} of ${grid.matched} matching controls shown (${grid.total} in the plan).`;
    more.hidden = rows.length >= grid.matched;
    noteField.hidden = !rows.some((row) => row.actions.length > 0);
  }

  root.append(
    el('div', { class: 'cg-head' }, el('h2', { id: 'controls-title', text: 'Controls' }), status),
    form,
    noteField,
    outcome,
    tableHolder,
    more,
  );
  const unsubscribe = tab.onChange((change) => {
    if (change.type === 'reset' || /^control\.|^plan\.|^iteration\./.test(change.type ?? '')) {
      clearTimeout(timer);
      timer = setTimeout(() => load(false), 300);
    }
  });
  await load(false);
  return {
    unmount() {
      clearTimeout(timer);
      unsubscribe();
    },
  };
}
