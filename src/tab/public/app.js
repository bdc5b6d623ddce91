// The tab's shell: connects to Teams (theme, SSO) or, outside Teams, to local mode's user picker;
// then shows the view switcher (Board | Planner | Controls), the iteration, the live state, and
// loads the chosen view.
//
// A view is an ES module at /tab/static/views/<view>.js exporting
//   mountView(container, tab) -> { unmount?() } (or a promise of it)
// where `tab` is:
//   tab.api         get(path, query) / post(path, body) / put / del on /tab/api (identity added;
//                   errors are ApiError { status, message } with the server's words)
//   tab.user        { name, email, role: 'pilot' | 'member' | 'viewer', teams }
//   tab.iteration   the iteration name chosen, or null for "the active one"
//   tab.iterations  [{ name, status, timeZone, kind, comms }]
//   tab.onChange(fn) fn(change) for each committed audit event { seq, at, iteration, subject, type },
//                   or { type: 'reset' } when too much was missed to replay; returns an unsubscribe
//   tab.announce(text) says something to screen readers
//   tab.inTeams     whether Teams hosts the page
import { createApi } from './api.js';
import { el } from './format.js';
import { openLiveStream } from './live.js';
import {
  applyTheme,
  connectToTeams,
  followTeamsTheme,
  identityHeaders,
  mayBeInTeams,
  standaloneTheme,
} from './teams-host.js';
import { showLocalPicker, LOCAL_USER_KEY } from './local-picker.js';

const VIEWS = [
  { id: 'board', label: 'Board' },
  { id: 'planner', label: 'Planner' },
  { id: 'controls', label: 'Controls' },
];

const params = new URLSearchParams(location.search);
const state = {
  view: VIEWS.some((v) => v.id === params.get('view')) ? params.get('view') : 'board',
  iteration: params.get('iteration') || null,
};

const main = document.getElementById('view');
const listeners = new Set();
let mounted = null;

function message(title, ...lines) {
  main.replaceChildren(
    el('section', { class: 'notice-page' }, el('h2', { text: title }), ...lines.map((l) => el('p', {}, l))),
  );
}

async function boot() {
  const session = await fetch('/tab/session').then((r) => r.json());
  let identity;
  let host = null;
  if (mayBeInTeams()) host = await connectToTeams();
  if (host) {
    followTeamsTheme(host);
    const pageId = host.context.page?.id ?? '';
    if (!params.get('view') && /^runsheet-(board|planner|controls)/.test(pageId))
      state.view = pageId.split('-')[1];
    identity = { host };
  } else {
    applyTheme(standaloneTheme());
    if (!session.localMode) {
      message(
        'Open Runsheet in Microsoft Teams',
        'This page is the Runsheet tab. It signs you in through Teams, so it only works inside Teams: open the team channel where Runsheet is pinned, or the Runsheet app in the Teams sidebar.',
      );
      return;
    }
    const localUser = localStorage.getItem(LOCAL_USER_KEY);
    if (!localUser) {
      await showLocalPicker(main, () => boot());
      return;
    }
    identity = { localUser };
  }
  await startShell(identity, Boolean(host));
}

async function startShell(identity, inTeams) {
  const api = createApi(identityHeaders(identity));
  let me;
  try {
    me = await api.get('/me');
  } catch (error) {
    if (identity.localUser && error.status === 401) {
      localStorage.removeItem(LOCAL_USER_KEY);
      await showLocalPicker(main, () => boot(), error.message);
      return;
    }
    message('You cannot use Runsheet here', `The server refused to identify you: ${error.message}.`);
    return;
  }
  const { iterations } = await api.get('/iterations');

  document.getElementById('shell-header').hidden = false;
  const who = document.getElementById('who');
  const roleName = { pilot: 'pilot', member: 'team member', viewer: 'viewer' }[me.role];
  who.replaceChildren(`${me.name} · ${roleName}`);
  if (identity.localUser) {
    who.append(
      ' ',
      el('button', {
        type: 'button',
        class: 'link-button',
        text: 'Switch user',
        onclick: () => {
          localStorage.removeItem(LOCAL_USER_KEY);
          location.reload();
        },
      }),
    );
  }

  const select = document.getElementById('iteration-select');
  // Filled again when an iteration is activated or closed, so its status in the picker stays true.
  const fillIterations = (list) => {
    const active = list.find((it) => it.status === 'ACTIVE');
    select.replaceChildren(
      el('option', { value: '', text: active ? `Active: ${active.name}` : 'Active (none)' }),
      ...list.map((it) => el('option', { value: it.name, text: `${it.name} (${it.status.toLowerCase()})` })),
    );
    select.value = list.some((it) => it.name === state.iteration) ? state.iteration : '';
  };
  fillIterations(iterations);
  const refreshIterations = (change) => {
    if (change.type.startsWith('iteration.'))
      api.get('/iterations').then(
        ({ iterations: list }) => fillIterations(list),
        () => undefined,
      );
  };
  select.addEventListener('change', () => {
    state.iteration = select.value || null;
    remember();
    loadView(tab);
  });

  const switcher = document.getElementById('view-switcher');
  const tabs = VIEWS.map((view) =>
    el('button', {
      type: 'button',
      role: 'tab',
      id: `view-tab-${view.id}`,
      'aria-controls': 'view',
      text: view.label,
      onclick: () => selectView(view.id),
    }),
  );
  switcher.replaceChildren(...tabs);
  switcher.addEventListener('keydown', (event) => {
    // Arrow keys move between the view tabs, as in any tab list.
    const index = VIEWS.findIndex((v) => v.id === state.view);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = VIEWS[(index + step + VIEWS.length) % VIEWS.length];
    selectView(next.id);
    document.getElementById(`view-tab-${next.id}`).focus();
  });

  const tab = {
    api,
    user: me,
    get iteration() {
      return state.iteration;
    },
    iterations,
    inTeams,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    announce(text) {
      const announcer = document.getElementById('announcer');
      announcer.textContent = '';
      setTimeout(() => (announcer.textContent = text), 50);
    },
  };

  const liveState = document.getElementById('live-state');
  const labels = { live: 'Live', reconnecting: 'Reconnecting…', refused: 'Not signed in' };
  openLiveStream({
    headers: api.headers,
    after: me.seq,
    onEvent: (change) => {
      refreshIterations(change);
      listeners.forEach((listener) => listener(change));
    },
    onReset: () => listeners.forEach((listener) => listener({ type: 'reset' })),
    onState: (value) => {
      liveState.textContent = labels[value];
      liveState.dataset.state = value;
    },
  });

  function selectView(id) {
    if (state.view === id) return;
    state.view = id;
    remember();
    loadView(tab);
  }
  loadView(tab);
}

function remember() {
  const url = new URL(location.href);
  url.searchParams.set('view', state.view);
  if (state.iteration) url.searchParams.set('iteration', state.iteration);
  else url.searchParams.delete('iteration');
  history.replaceState(null, '', url);
}

async function loadView(tab) {
  for (const view of VIEWS) {
    const button = document.getElementById(`view-tab-${view.id}`);
    const selected = view.id === state.view;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
  }
  main.setAttribute('aria-labelledby', `view-tab-${state.view}`);
  try {
    mounted?.unmount?.();
  } catch {
    // a view that fails to unmount must not block the next one
  }
  mounted = null;
  listeners.clear();
  const label = VIEWS.find((v) => v.id === state.view).label;
  let module;
  try {
    module = await import(`./views/${state.view}.js`);
  } catch {
    message(`${label} is not available`, `The ${label} view is not part of this build of Runsheet.`);
    return;
  }
  main.replaceChildren();
  mounted = (await module.mountView(main, tab)) ?? null;
}

boot().catch((error) => message('Runsheet could not start', String(error?.message ?? error)));
