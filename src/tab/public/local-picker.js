// Local mode only (no MicrosoftAppId on the server): pick who you are, as /dev lets you. The
// choice travels as the x-runsheet-local-user header, which the server refuses once an app id is
// configured.
import { el } from './format.js';

export const LOCAL_USER_KEY = 'runsheet.tab.localUser';

export async function showLocalPicker(container, done, problem) {
  const { users, source } = await fetch('/tab/local/users').then((r) => r.json());
  const roleName = { pilot: 'pilot', member: 'team member', viewer: 'viewer' };
  const select = el(
    'select',
    { id: 'local-user', name: 'user', required: true },
    el('option', { value: '', text: 'Choose a person…' }),
    ...users.map((u) =>
      el('option', {
        value: u.email,
        text: `${u.name}: ${roleName[u.role]}${u.teams.length ? ` (${u.teams.join(', ')})` : ''}`,
      }),
    ),
  );
  const form = el(
    'form',
    { class: 'local-picker' },
    el('h2', { text: 'Local mode: who are you?' }),
    el('p', {
      text: 'This service runs without a Teams app id, so the tab cannot sign you in through Teams. Pick a person from the directory to see the tab as they do.',
    }),
    problem ? el('p', { class: 'error', role: 'alert', text: problem }) : null,
    users.length === 0
      ? el('p', {
          class: 'error',
          text: `The directory (${source}) has nobody yet: set RUNSHEET_DIRECTORY, or load the demo at /dev.`,
        })
      : null,
    el('label', { class: 'field', for: 'local-user' }, el('span', { text: 'Person' }), select),
    el('button', { type: 'submit', class: 'primary', text: 'Open the tab' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!select.value) return;
    localStorage.setItem(LOCAL_USER_KEY, select.value);
    done();
  });
  container.replaceChildren(form);
  select.focus();
}
