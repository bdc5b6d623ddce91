/**
 * A stand-in for the Teams web client, for browser tests: a page on the service's own origin that
 * frames a tab page and answers teams-js's postMessage protocol the way Teams does (initialize,
 * getContext, authentication.getAuthToken, the settings calls of a configuration page), records
 * every message the tab sends in `window.hostLog`, and can push host events (`hostSend('themeChange',
 * ['dark'])`, `hostSend('settings.save', [{}])`). The real teams-js runs in the tab, unchanged:
 * same-origin messages are trusted by teams-js, so no test-only origin list is needed.
 */
export interface FakeHostOptions {
  /** The framed page's path, e.g. `/tab/?view=board`. */
  src: string;
  frameContext: 'content' | 'settings';
  theme: 'default' | 'dark' | 'contrast';
  token: string;
  user: { aadObjectId: string; email: string };
  tenantId: string;
  entityId?: string;
}

export function fakeTeamsHostPage(options: FakeHostOptions): string {
  const settings = JSON.stringify(options).replace(/</g, '\\u003c');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Teams (test host)</title>
<style>html,body{margin:0;height:100%}iframe{border:0;width:100%;height:100%;display:block}</style></head>
<body><iframe id="tab" title="Runsheet tab"></iframe>
<script>
const HOST = ${settings};
const frame = document.getElementById('tab');
window.hostLog = [];
const runtime = { apiVersion: 4, hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
  supports: { appInitialization: {}, pages: { appButton: {}, tabs: {}, config: {}, backStack: {}, fullTrust: {} }, teamsCore: {}, authentication: {} } };
const legacyContext = () => ({ theme: HOST.theme, entityId: HOST.entityId || '', subEntityId: '', frameContext: HOST.frameContext,
  loginHint: HOST.user.email, userPrincipalName: HOST.user.email, userObjectId: HOST.user.aadObjectId, tid: HOST.tenantId,
  locale: 'en-gb', hostClientType: 'web', sessionId: 'test-session', appSessionId: 'test-app-session', hostName: 'Teams' });
const reply = (message, args) => frame.contentWindow.postMessage({ id: message.id, uuid: message.uuid, args }, location.origin);
window.hostSend = (func, args) => frame.contentWindow.postMessage({ func, args }, location.origin);
window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow || !event.data || typeof event.data.func !== 'string') return;
  const message = event.data;
  window.hostLog.push({ func: message.func, args: message.args });
  switch (message.func) {
    case 'initialize': return reply(message, [HOST.frameContext, 'web', JSON.stringify(runtime), '2.58.0']);
    case 'getContext': return reply(message, [legacyContext()]);
    case 'authentication.getAuthToken': return reply(message, [true, HOST.token]);
    case 'settings.setSettings': return reply(message, [true]);
  }
});
frame.src = HOST.src;
</script></body></html>`;
}
