/* global window, document, AdaptiveCards */
/**
 * The dev page's mail view: plays Outlook for the local outbox. Lists the `.eml` files the service
 * wrote (GET /dev/api/outbox), shows one with its actionable card rendered by the Adaptive Cards
 * renderer, and makes the card's buttons work as Outlook does: each `Action.Execute` is posted to
 * /api/messages as an `adaptiveCard/action` invoke from the Outlook channel (`channelId: "outlook"`),
 * as whoever is "Acting as", and the card the bot answers replaces the one shown. Opening a mail
 * runs the card's `refresh` action first, as Outlook's auto-refresh does.
 */
(() => {
  'use strict';

  const POLL_MS = 1500;
  const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';
  const $ = (id) => document.getElementById(id);
  const dev = () => window.runsheetDev;
  const mail = { list: [], openId: null, open: null, card: null, busy: false };

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  async function getJson(url) {
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`the service answered ${response.status}`);
    return response.json();
  }

  function isForUser(item, user) {
    if (!user) return false;
    const email = user.email.toLowerCase();
    return [...item.to, ...item.cc].some((address) => address.toLowerCase() === email);
  }

  function renderList() {
    const user = dev()?.currentUser();
    const list = $('mail-list');
    $('no-mail').hidden = mail.list.length > 0;
    list.replaceChildren(
      ...mail.list.map((item) => {
        const li = el('li');
        const button = el('button', 'mail-item');
        button.type = 'button';
        button.dataset.id = item.id;
        if (item.id === mail.openId) button.setAttribute('aria-current', 'true');
        button.append(el('span', 'mail-item-subject', item.subject));
        const meta = el(
          'span',
          'mail-item-meta',
          `to ${item.to.length + item.cc.length} · ${timeOf(item.date)}`,
        );
        if (isForUser(item, user)) meta.append(el('span', 'mine', 'to you'));
        button.append(meta);
        button.addEventListener('click', () => void openMail(item.id));
        li.append(button);
        return li;
      }),
    );
  }

  const timeOf = (iso) => new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

  async function poll() {
    try {
      mail.list = (await getJson('/dev/api/outbox')).mails;
      renderList();
    } catch {
      /* dev.js reports a lost connection */
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  function showMailView(shown) {
    document.body.classList.toggle('mail-open', shown);
    $('mail-view').hidden = !shown;
  }

  async function openMail(id) {
    mail.openId = id;
    renderList();
    const item = await getJson(`/dev/api/outbox/${encodeURIComponent(id)}`);
    mail.open = item;
    mail.card = item.card;
    $('mail-subject').textContent = item.subject;
    $('mail-from').textContent = item.from;
    $('mail-to').textContent = item.to.join(', ') || '—';
    $('mail-cc').textContent = item.cc.join(', ') || '—';
    $('mail-date').textContent = new Date(item.date).toLocaleString('en-GB');
    $('mail-file').textContent = item.id;
    $('mail-body').srcdoc = item.html;
    $('mail-card-status').textContent = '';
    renderMailCard();
    showMailView(true);
    // Outlook refreshes an actionable card when the mail is opened: the state shown is the current one.
    const refresh = item.card?.refresh?.action;
    if (refresh) await execute({ type: 'Action.Execute', ...refresh }, 'automatic');
  }

  function renderMailCard() {
    const frame = $('mail-card');
    frame.replaceChildren();
    frame.dataset.view = mail.card === mail.open?.card ? 'sent' : 'refreshed';
    if (!mail.card) {
      frame.append(el('p', 'mail-note', 'This mail has no card.'));
      return;
    }
    if (!window.AdaptiveCards) {
      frame.textContent = 'The Adaptive Cards renderer did not load.';
      return;
    }
    try {
      const card = new AdaptiveCards.AdaptiveCard();
      card.onExecuteAction = (action) => {
        const type = action.getJsonTypeName();
        if (type === 'Action.OpenUrl') {
          if (/^https?:\/\//i.test(action.url ?? ''))
            window.open(action.url, '_blank', 'noopener,noreferrer');
          return;
        }
        if (type !== 'Action.Execute') return;
        void execute({ type, id: action.id, verb: action.verb, data: action.data ?? {} }, 'manual');
      };
      card.parse(mail.card);
      const rendered = card.render();
      if (rendered) frame.append(rendered);
    } catch (error) {
      frame.textContent = `This card could not be rendered: ${error.message}`;
    }
  }

  /** An `adaptiveCard/action` invoke as the bot's Outlook channel delivers it. */
  async function execute(action, trigger) {
    const user = dev()?.currentUser();
    const server = dev()?.server();
    if (!user || !server || mail.busy) {
      if (!user) $('mail-card-status').textContent = 'Pick someone in “Acting as” first.';
      return;
    }
    mail.busy = true;
    $('mail-card-status').textContent = trigger === 'manual' ? 'Sending to the bot…' : '';
    try {
      const response = await fetch('/api/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          type: 'invoke',
          name: 'adaptiveCard/action',
          id: `outlook-dev-${Math.random().toString(16).slice(2, 10)}`,
          timestamp: new Date().toISOString(),
          serviceUrl: server.serviceUrl,
          channelId: 'outlook',
          from: { id: user.aadObjectId, aadObjectId: user.aadObjectId, name: user.name },
          conversation: { id: `outlook-dev:${mail.openId}` },
          recipient: { ...server.bot },
          value: { action, trigger },
          locale: 'en-GB',
        }),
      });
      const body = await response.json().catch(() => null);
      if (response.ok && body?.statusCode === 200 && body.type === CARD_TYPE) {
        mail.card = body.value;
        renderMailCard();
        $('mail-card-status').textContent = '';
      } else {
        $('mail-card-status').textContent =
          `The bot answered ${body?.statusCode ?? response.status}: ${body?.value?.message ?? ''}`;
      }
    } catch (error) {
      $('mail-card-status').textContent = `Could not reach the bot: ${error.message}`;
    } finally {
      mail.busy = false;
      dev()?.pollSoon();
    }
  }

  function close() {
    mail.openId = null;
    mail.open = null;
    showMailView(false);
    renderList();
  }

  function start() {
    $('mail-close').addEventListener('click', close);
    // Opening a channel leaves the mail.
    $('channel-list').addEventListener('click', close);
    $('user-select').addEventListener('change', () => {
      renderList();
      if (mail.openId) void openMail(mail.openId);
    });
    void poll();
  }

  start();
})();
