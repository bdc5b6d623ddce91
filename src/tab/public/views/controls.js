// The Controls view: every control against every iteration with its result (OPEN, PASSED,
// FAILED, CANCELLED) and who set it when, filtered by phase, producer team, validator team,
// result (in the chosen iteration, or in any) and text. The server filters and pages
// (GET /tab/api/controls); "Show more" fetches the next page.
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

  function cell(result) {
    const label = result.result.charAt(0) + result.result.slice(1).toLowerCase();
    return el(
      'td',
      { class: `cg-cell cg-${result.result}` },
      el('span', { class: 'cg-result', text: label }),
      result.byName ? el('span', { class: 'cg-who', text: result.byName }) : null,
      result.atLabel ? el('span', { class: 'cg-who', text: result.atLabel }) : null,
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
            ...grid.iterations.map((it) => cell(row.results[it.name])),
          ),
        ),
      ),
    );
    tableHolder.replaceChildren(table);
    status.textContent = `${rows.length} of ${grid.matched} matching controls shown (${grid.total} in the plan).`;
    more.hidden = rows.length >= grid.matched;
  }

  root.append(
    el('div', { class: 'cg-head' }, el('h2', { id: 'controls-title', text: 'Controls' }), status),
    form,
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
