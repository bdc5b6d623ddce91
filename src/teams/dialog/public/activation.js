/* global window, document, microsoftTeams, AdaptiveCards */
/**
 * The activation dialog page: loads the draft (recipients, subject, body from the template) with
 * the token the bot put in the address, lets the pilot edit it, previews it, and sends it. The body
 * is edited in place (contenteditable); the server sanitises what is sent. When sent, the dialog
 * closes itself: through TeamsJS inside Teams, through a message to the dev page in local mode.
 * No framework, no build step.
 */
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const API = '/dialogs/activation/api';
  const token = new URLSearchParams(window.location.search).get('token');
  // The token is a credential: keep it out of the address bar, history and any later link.
  if (token) window.history.replaceState(null, '', window.location.pathname);

  const state = { draft: null, bodyEdited: false, sending: false, sent: false };
  let inTeams = false;

  async function api(path, body) {
    const response = await fetch(`${API}/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${token ?? ''}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let json;
    try {
      json = await response.json();
    } catch {
      json = { error: `the service answered ${response.status}` };
    }
    if (!response.ok) throw new Error(json?.error ?? `the service answered ${response.status}`);
    return json;
  }

  function showProblem(text) {
    $('problem').textContent = text;
    $('problem').hidden = false;
  }

  function setStatus(text, kind) {
    const status = $('status');
    status.textContent = text;
    status.className = `status${kind ? ` ${kind}` : ''}`;
  }

  function personBox(listId, person, index) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = true;
    box.value = person.email;
    box.id = `${listId}-${index}`;
    label.append(box, ` ${person.name} <${person.email}>`);
    return label;
  }

  function fillPeople(listId, people) {
    const list = $(listId);
    list.replaceChildren(...people.map((person, i) => personBox(listId, person, i)));
    if (people.length === 0) list.textContent = 'Nobody in the directory for this list.';
  }

  function addresses(listId, extraId) {
    const ticked = [...$(listId).querySelectorAll('input[type=checkbox]')]
      .filter((box) => box.checked)
      .map((box) => box.value);
    const extra = $(extraId)
      .value.split(/[,;\s]+/)
      .map((a) => a.trim())
      .filter(Boolean);
    return [...ticked, ...extra];
  }

  function fill(draft) {
    state.draft = draft;
    $('heading').textContent = `Activation email · ${draft.step}`;
    $('step-line').textContent = `${draft.title} · ${draft.team} · ${draft.iteration}`;
    if (draft.comms === 'test') {
      $('comms-note').textContent =
        `TEST · ${draft.iteration} runs with comms in test mode: this mail goes to the pilots only. To and Cc below are what live mode would use.`;
      $('comms-note').hidden = false;
    }
    fillPeople('to-list', draft.to);
    fillPeople('cc-list', draft.cc);
    $('subject').value = draft.subject;
    $('body-editor').innerHTML = draft.bodyHtml;
    state.bodyEdited = false;
    $('mail-form').hidden = false;
  }

  function message() {
    return {
      to: addresses('to-list', 'to-extra'),
      cc: addresses('cc-list', 'cc-extra'),
      subject: $('subject').value,
      // null: the template's rendering as it is, so the audit can say the pilot did not edit it.
      bodyHtml: state.bodyEdited ? $('body-editor').innerHTML : null,
    };
  }

  function renderCard(json) {
    const holder = $('preview-card');
    holder.replaceChildren();
    if (!window.AdaptiveCards) {
      holder.textContent = 'The card preview is not available (the renderer did not load).';
      return;
    }
    const card = new AdaptiveCards.AdaptiveCard();
    card.onExecuteAction = () => setStatus('The card’s buttons work in the sent mail, not in the preview.');
    card.parse(json);
    const rendered = card.render();
    if (rendered) holder.append(rendered);
  }

  async function preview() {
    setStatus('Preparing the preview…');
    try {
      const { subject, bodyHtml, card, comms } = await api('preview', {
        subject: $('subject').value,
        bodyHtml: message().bodyHtml,
      });
      $('preview-subject').textContent = comms === 'test' ? `[TEST] ${subject}` : subject;
      $('preview-body').srcdoc =
        '<!doctype html><meta charset="utf-8"><style>body{font-family:Segoe UI,system-ui,sans-serif;font-size:14px;color:#242424}</style>' +
        bodyHtml;
      renderCard(card);
      $('preview-pane').hidden = false;
      setStatus('');
      $('preview-pane').scrollIntoView({ behavior: 'smooth', block: 'start' });
    } catch (error) {
      setStatus(`No preview: ${error.message}`, 'error');
    }
  }

  /** Local mode: the dev page (same origin) frames this page as Teams would. */
  function inDevPage() {
    try {
      return window.parent !== window && window.parent.location.origin === window.location.origin;
    } catch {
      return false; // a cross-origin parent: Teams
    }
  }

  function closeDialog(text) {
    if (inDevPage()) {
      window.parent.postMessage({ type: 'runsheet.dialog.done', message: text }, window.location.origin);
      return;
    }
    if (inTeams) {
      try {
        microsoftTeams.dialog.url.submit({ sent: true });
      } catch {
        /* the pilot closes the dialog themselves */
      }
    }
  }

  async function send(event) {
    event.preventDefault();
    if (state.sending || state.sent) return;
    state.sending = true;
    $('send').disabled = true;
    setStatus('Sending…');
    try {
      const result = await api('send', message());
      state.sent = true;
      setStatus(result.message, 'done');
      for (const input of $('mail-form').querySelectorAll('input, button')) input.disabled = true;
      $('body-editor').contentEditable = 'false';
      setTimeout(() => closeDialog(result.message), 1200);
    } catch (error) {
      setStatus(`Not sent: ${error.message}`, 'error');
      $('send').disabled = false;
    } finally {
      state.sending = false;
    }
  }

  function format(command) {
    const editor = $('body-editor');
    editor.focus();
    if (command === 'createLink') {
      const url = window.prompt('Link address (https://…)');
      if (!url) return;
      if (!/^(https?:|mailto:)/i.test(url.trim())) {
        setStatus('Links must start with https://, http:// or mailto:.', 'error');
        return;
      }
      document.execCommand('createLink', false, url.trim());
    } else {
      document.execCommand(command, false);
    }
    state.bodyEdited = true;
  }

  async function start() {
    // Inside Teams (a cross-origin frame), TeamsJS closes the dialog after sending. It is loaded only
    // there: on load it fetches Microsoft's list of Teams hosts, which nothing else needs.
    if (window.parent !== window && !inDevPage()) {
      const script = document.createElement('script');
      script.src = '/dialogs/vendor/teams-js.min.js';
      script.onload = () => {
        microsoftTeams.app
          .initialize()
          .then(() => {
            inTeams = true;
          })
          .catch(() => undefined);
      };
      document.head.append(script);
    }
    if (!token) {
      showProblem('No identity: open the activation dialog from Teams (Activate… on the step card).');
      return;
    }
    try {
      fill(await api('draft'));
    } catch (error) {
      showProblem(error.message);
      return;
    }
    // Enter makes paragraphs, which the sanitiser keeps (a <div> would lose its line break).
    document.execCommand('defaultParagraphSeparator', false, 'p');
    $('body-editor').addEventListener('input', () => {
      state.bodyEdited = true;
    });
    for (const button of document.querySelectorAll('.toolbar [data-command]')) {
      button.addEventListener('mousedown', (event) => event.preventDefault());
      button.addEventListener('click', () => format(button.dataset.command));
    }
    $('reset-body').addEventListener('click', () => {
      $('body-editor').innerHTML = state.draft.bodyHtml;
      state.bodyEdited = false;
    });
    $('preview').addEventListener('click', () => void preview());
    $('mail-form').addEventListener('submit', (event) => void send(event));
  }

  void start();
})();
