// The configuration page Teams shows when the tab is added to a channel or chat (and from the
// tab's Settings): pick the view and the iteration, then Teams' Save calls setConfig with the
// content URL. Outside Teams it shows the URL it would save.
import { createApi } from './api.js';
import { el } from './format.js';
import { applyTheme, connectToTeams, identityHeaders, standaloneTheme } from './teams-host.js';

const form = document.getElementById('config-form');
const iterationSelect = document.getElementById('config-iteration');
const note = document.getElementById('config-iterations-note');
const preview = document.getElementById('config-preview');
const VIEW_NAMES = { board: 'Board', planner: 'Planner', controls: 'Controls' };

/** What Teams stores for the tab: the same URL serves the content and the browser fallback. */
export function tabConfig(view, iteration) {
  const url = new URL('/tab/', location.origin);
  url.searchParams.set('view', view);
  if (iteration) url.searchParams.set('iteration', iteration);
  return {
    entityId: `runsheet-${view}-${iteration || 'active'}`,
    contentUrl: url.href,
    websiteUrl: url.href,
    suggestedDisplayName: `Runsheet ${VIEW_NAMES[view]}${iteration ? ` · ${iteration}` : ''}`,
  };
}

function chosen() {
  const data = new FormData(form);
  return { view: String(data.get('view') || ''), iteration: String(data.get('iteration') || '') };
}

async function start() {
  const host = await connectToTeams();
  if (host) {
    applyTheme(host.context.app?.theme);
    host.teams.app.registerOnThemeChangeHandler((theme) => applyTheme(theme));
  } else applyTheme(standaloneTheme());

  // Reopened from Settings: start from the tab's current choice.
  const current = new URLSearchParams(location.search);
  const currentView = current.get('view');
  if (currentView && VIEW_NAMES[currentView])
    form.querySelector(`input[value="${currentView}"]`).checked = true;

  // The named iterations need the user's identity; without it "the active iteration" still works.
  try {
    if (!host) throw new Error('not in Teams');
    const api = createApi(identityHeaders({ host }));
    const { iterations } = await api.get('/iterations');
    for (const it of iterations)
      iterationSelect.append(
        el('option', { value: it.name, text: `${it.name} (${it.status.toLowerCase()})` }),
      );
    if (current.get('iteration')) iterationSelect.value = current.get('iteration');
  } catch (error) {
    note.textContent = `Only the active iteration can be chosen here: the iterations could not be listed (${error.message}).`;
  }

  const update = () => {
    const { view, iteration } = chosen();
    const config = tabConfig(view, iteration);
    preview.textContent = `The tab will show ${config.suggestedDisplayName}: ${config.contentUrl}`;
    if (host) host.teams.pages.config.setValidityState(Boolean(VIEW_NAMES[view]));
  };
  form.addEventListener('change', update);
  update();

  if (host) {
    host.teams.pages.config.registerOnSaveHandler((saveEvent) => {
      const { view, iteration } = chosen();
      host.teams.pages.config
        .setConfig(tabConfig(view, iteration))
        .then(() => saveEvent.notifySuccess())
        .catch((error) => saveEvent.notifyFailure(String(error?.message ?? error)));
    });
  } else {
    document.getElementById('config-intro').textContent =
      'Teams shows this page when the Runsheet tab is added to a channel. Opened on its own, it only previews the address the tab would show.';
  }
}

start();
