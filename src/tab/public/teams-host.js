// The tab's link to its host: Microsoft Teams through teams-js (window.microsoftTeams, the UMD
// bundle served at /tab/vendor/teams-js.js), or nothing when the page is opened on its own.

const INIT_TIMEOUT_MS = 6000;

/** True when the page runs in a frame or a Teams-opened window: only then can Teams be the host. */
export function mayBeInTeams() {
  return window.parent !== window || Boolean(window.opener);
}

/**
 * Initialises teams-js. Resolves { context } inside Teams, or null when no host answers in time
 * (a page framed by something that is not Teams).
 */
export async function connectToTeams() {
  const teams = window.microsoftTeams;
  if (!teams || !mayBeInTeams()) return null;
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), INIT_TIMEOUT_MS));
  const outcome = await Promise.race([
    teams.app.initialize().then(
      () => 'ok',
      () => 'failed',
    ),
    timeout,
  ]);
  if (outcome !== 'ok') return null;
  const context = await teams.app.getContext();
  return { teams, context };
}

/** Applies a Teams theme name ('default', 'dark', 'contrast') to the page. */
export function applyTheme(theme) {
  const known = ['default', 'dark', 'contrast'];
  document.documentElement.dataset.theme = known.includes(theme) ? theme : 'default';
}

/** The theme outside Teams: `?theme=` wins, else the system's light or dark preference. */
export function standaloneTheme() {
  const asked = new URLSearchParams(location.search).get('theme');
  if (asked) return asked;
  return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'default';
}

/** Follows the Teams theme live. */
export function followTeamsTheme(host) {
  applyTheme(host.context.app?.theme);
  host.teams.app.registerOnThemeChangeHandler((theme) => applyTheme(theme));
}

/**
 * A function giving the headers that identify the user on every API call: the Entra SSO token
 * from Teams as a Bearer (re-asked shortly before it expires), or local mode's picked user.
 */
export function identityHeaders(source) {
  if (source.localUser) return async () => ({ 'x-runsheet-local-user': source.localUser });
  let token = null;
  let expiresAt = 0;
  return async () => {
    if (!token || Date.now() > expiresAt - 5 * 60_000) {
      token = await source.host.teams.authentication.getAuthToken();
      expiresAt = tokenExpiry(token);
    }
    return { authorization: `Bearer ${token}` };
  };
}

function tokenExpiry(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now() + 10 * 60_000;
  } catch {
    return Date.now() + 10 * 60_000;
  }
}
