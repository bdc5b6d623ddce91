/* global window, document, AdaptiveCards */
/**
 * Runsheet's local dev channel: plays Microsoft Teams for the real bot.
 * - What people write is posted to /api/messages as a Teams channel message (@mention included);
 *   card buttons (Action.Execute) are posted as `adaptiveCard/action` invokes, and the card in the
 *   invoke response replaces the card for this viewer, as Teams does.
 * - What the bot sends (replies, card posts, in-place updates) lands in the built-in connector;
 *   this page polls it (GET /dev/api/activities) and shows each channel's posts.
 * - Cards are rendered by Microsoft's Adaptive Cards renderer with a host config close to Teams'.
 * No framework, no build step.
 */
(() => {
  'use strict';

  const POLL_MS = 1000;
  const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';
  const STORAGE = 'runsheet.dev.';

  // ---------- small helpers ----------
  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const escapeHtml = (text) =>
    String(text).replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
    );
  const baseConversation = (id) => String(id).split(';')[0];
  const load = (key, fallback) => {
    try {
      const value = localStorage.getItem(STORAGE + key);
      return value === null ? fallback : JSON.parse(value);
    } catch {
      return fallback;
    }
  };
  const save = (key, value) => {
    try {
      localStorage.setItem(STORAGE + key, JSON.stringify(value));
    } catch {
      /* private mode: state lives in memory only */
    }
  };
  const randomId = () => Math.random().toString(16).slice(2, 10);

  /**
   * The little Markdown Teams shows in bot replies and card TextBlocks: **bold**, _italic_,
   * `code`, paragraphs and line breaks, and the `<at>Name</at>` of a mention. Escapes first.
   */
  function renderMarkdown(text) {
    let html = escapeHtml(text);
    const codes = [];
    html = html.replace(/`([^`\n]+)`/g, (_m, code) => {
      codes.push(code);
      return `\uE000${codes.length - 1}\uE000`;
    });
    html = html
      .replace(/&lt;at&gt;(.*?)&lt;\/at&gt;/g, '<span class="mention">@$1</span>')
      .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
      .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,!?:;])/g, '$1<em>$2</em>');
    html = html
      .split(/\n{2,}/)
      .map((paragraph) => {
        // Lines starting with "- " are list items; other lines are kept apart by line breaks.
        const blocks = [];
        for (const line of paragraph.split('\n')) {
          const item = /^\s*[-*] (.*)$/.exec(line);
          const last = blocks[blocks.length - 1];
          if (item) {
            if (last?.list) last.lines.push(item[1]);
            else blocks.push({ list: true, lines: [item[1]] });
          } else if (last && !last.list) last.lines.push(line);
          else blocks.push({ list: false, lines: [line] });
        }
        return blocks
          .map((block) =>
            block.list
              ? `<ul>${block.lines.map((line) => `<li>${line}</li>`).join('')}</ul>`
              : `<p>${block.lines.join('<br>')}</p>`,
          )
          .join('');
      })
      .join('');
    return html.replace(/\uE000(\d+)\uE000/g, (_m, i) => `<code>${codes[Number(i)]}</code>`);
  }

  const initials = (name) =>
    String(name || '?')
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((part) => part[0].toUpperCase())
      .join('');
  const AVATAR_COLOURS = [
    '#8764b8',
    '#0078d4',
    '#038387',
    '#ca5010',
    '#8e562e',
    '#4f6bed',
    '#c239b3',
    '#498205',
  ];
  const avatarColour = (key) => {
    let hash = 0;
    for (const c of String(key)) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    return AVATAR_COLOURS[hash % AVATAR_COLOURS.length];
  };
  const timeOf = (iso) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime())
      ? ''
      : date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  };

  async function requestJson(url, options = {}) {
    const response = await fetch(url, {
      ...options,
      headers: {
        accept: 'application/json',
        ...(options.body ? { 'content-type': 'application/json' } : {}),
      },
    });
    const text = await response.text();
    let body;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { error: text };
    }
    return { status: response.status, ok: response.ok, body };
  }
  const postJson = (url, body) => requestJson(url, { method: 'POST', body: JSON.stringify(body) });

  // ---------- Adaptive Cards host config: close to Teams' light theme ----------
  const foreground = {
    default: { default: '#242424', subtle: '#616161' },
    dark: { default: '#252424', subtle: '#484644' },
    light: { default: '#ffffff', subtle: '#f3f2f1' },
    accent: { default: '#4f52b2', subtle: '#5b5fc7' },
    good: { default: '#237b4b', subtle: '#2d8f5a' },
    warning: { default: '#835c00', subtle: '#9a6d00' },
    attention: { default: '#c4314b', subtle: '#d13438' },
  };
  const style = (backgroundColor) => ({ backgroundColor, foregroundColors: foreground });
  const HOST_CONFIG = {
    fontFamily: "'Segoe UI', system-ui, -apple-system, 'Helvetica Neue', Arial, sans-serif",
    supportsInteractivity: true,
    spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
    separator: { lineThickness: 1, lineColor: '#e0e0e0' },
    fontSizes: { small: 12, default: 14, medium: 16, large: 18, extraLarge: 24 },
    fontWeights: { lighter: 300, default: 400, bolder: 600 },
    lineHeights: { small: 16, default: 20, medium: 22, large: 24, extraLarge: 32 },
    imageSizes: { small: 32, medium: 52, large: 100 },
    containerStyles: {
      default: style('#ffffff'),
      emphasis: style('#f5f5f5'),
      accent: style('#e8ebfa'),
      good: style('#e7f2da'),
      attention: style('#fcf4f6'),
      warning: style('#fbf6d9'),
    },
    actions: {
      maxActions: 6,
      spacing: 'default',
      buttonSpacing: 8,
      showCard: { actionMode: 'inline', inlineTopMargin: 12, style: 'emphasis' },
      actionsOrientation: 'horizontal',
      actionAlignment: 'left',
      iconPlacement: 'leftOfTitle',
    },
    adaptiveCard: { allowCustomStyle: true },
    inputs: {
      label: {
        requiredInputs: { weight: 'bolder', suffix: ' *', suffixColor: 'attention' },
        optionalInputs: { weight: 'bolder' },
      },
      errorMessage: { size: 'small', color: 'attention' },
    },
  };

  // ---------- state ----------
  const state = {
    server: null, // GET /dev/api/state
    activities: [], // GET /dev/api/activities
    userAad: load('user', null),
    channelId: load('channel', null),
    /** `${userAad}|${activityId}` → { card, updates }: the card an invoke answered, this viewer only. */
    overrides: new Map(),
    /** `${userAad}|${activityId}|${updates}` of cards refreshed automatically already. */
    autoRefreshed: new Set(),
    /** activityId → notice text shown under a post (an error the bot answered with). */
    notices: new Map(),
    busy: new Set(),
    /** activityId → { node, signature } of what is on screen. */
    rendered: new Map(),
    renderedFor: null,
    seen: null,
    guideHidden: load('guide-hidden', false),
    connectionLost: false,
  };

  const currentUser = () =>
    state.server?.directory.users.find((u) => u.aadObjectId === state.userAad) ?? null;
  const currentChannel = () => state.server?.channels.find((c) => c.id === state.channelId) ?? null;

  /** Ids of the activities this user has seen (or that were there before the demo was set up). */
  function seenSet() {
    if (!state.seen || state.seen.user !== state.userAad) {
      state.seen = {
        user: state.userAad,
        ids: new Set([...load('baseline', []), ...load(`seen.${state.userAad}`, [])]),
      };
    }
    return state.seen.ids;
  }
  function markSeen(ids) {
    const seen = seenSet();
    let changed = false;
    for (const id of ids)
      if (!seen.has(id)) {
        seen.add(id);
        changed = true;
      }
    if (changed) save(`seen.${state.userAad}`, [...seen].slice(-5000));
  }

  const isFromPerson = (activity) =>
    typeof activity.activity.from?.id === 'string' && activity.activity.from.id.startsWith('29:');

  // ---------- polling ----------
  let polling = false;
  let pollTimer = null;
  async function poll() {
    if (polling) return;
    polling = true;
    clearTimeout(pollTimer);
    try {
      const [server, activities] = await Promise.all([
        requestJson('/dev/api/state'),
        requestJson('/dev/api/activities'),
      ]);
      if (!server.ok || !activities.ok)
        throw new Error(`the service answered ${server.status}/${activities.status}`);
      state.server = server.body;
      state.activities = activities.body;
      setConnection(null);
      render();
    } catch (error) {
      setConnection(`Cannot reach the Runsheet service (${error.message}). Retrying…`);
    } finally {
      polling = false;
      pollTimer = setTimeout(poll, POLL_MS);
    }
  }
  /** Polls now and again shortly after, for the worker's posts and updates (it polls every 500 ms). */
  function pollSoon() {
    setTimeout(poll, 50);
    setTimeout(poll, 700);
  }
  function setConnection(message) {
    const box = $('connection');
    box.hidden = message === null;
    box.textContent = message ?? '';
  }

  // ---------- rendering: chrome ----------
  function render() {
    const server = state.server;
    if (!server) return;
    renderUsers();
    renderIteration();
    const hasChannels = server.channels.length > 0;
    $('first-run').hidden = server.hasPlan;
    $('setup-channels').hidden = !server.hasPlan || hasChannels;
    if (hasChannels && !currentChannel()) selectChannel(defaultChannel()?.id ?? null, false);
    renderChannels();
    renderGuide();
    $('channel-view').hidden = !server.hasPlan || !currentChannel();
    renderPosts();
  }

  function roleLabel(user) {
    if (user.role === 'pilot') return 'pilot';
    if (user.role === 'member') return user.teams.join(', ');
    return 'viewer';
  }

  let usersSignature = null;
  function renderUsers() {
    const users = state.server.directory.users;
    const select = $('user-select');
    const signature = users.map((u) => `${u.aadObjectId}:${u.name}:${u.role}`).join('|');
    if (signature !== usersSignature) {
      usersSignature = signature;
      select.replaceChildren();
      if (users.length === 0) {
        select.append(el('option', '', 'Nobody: the directory is empty'));
        select.disabled = true;
      } else {
        const groups = [
          ['Pilots', users.filter((u) => u.role === 'pilot')],
          ['Team members', users.filter((u) => u.role === 'member')],
          ['Viewers', users.filter((u) => u.role === 'viewer')],
        ];
        for (const [label, members] of groups) {
          if (members.length === 0) continue;
          const group = el('optgroup');
          group.label = label;
          for (const user of members) {
            const option = el('option', '', `${user.name} — ${roleLabel(user)}`);
            option.value = user.aadObjectId;
            group.append(option);
          }
          select.append(group);
        }
        select.disabled = false;
      }
    }
    if (users.length > 0 && !currentUser()) {
      state.userAad = (users.find((u) => u.role === 'pilot') ?? users[0]).aadObjectId;
      save('user', state.userAad);
    }
    const user = currentUser();
    if (user) select.value = user.aadObjectId;
    const badge = $('user-role');
    badge.hidden = !user;
    if (user) {
      badge.textContent = user.role === 'pilot' ? 'Pilot' : user.role === 'member' ? 'Team member' : 'Viewer';
      badge.className = `role-badge ${user.role}`;
    }
  }

  function renderIteration() {
    const box = $('iteration-status');
    const active = state.server.activeIteration;
    box.replaceChildren();
    if (active) {
      box.append(el('strong', '', active.name), ` active · comms ${active.comms}`);
    } else if (state.server.hasPlan) {
      box.textContent = 'No iteration active';
    }
  }

  function defaultChannel() {
    const channels = state.server.channels;
    const user = currentUser();
    return (
      (user && user.role !== 'pilot' && channels.find((c) => c.team && user.teams.includes(c.team))) ||
      channels.find((c) => c.purpose === 'pilots') ||
      channels[0]
    );
  }

  function orderedChannels() {
    const user = currentUser();
    const mine = (c) => Boolean(user && c.team && user.teams.includes(c.team));
    const rank = (c) => (c.purpose === 'pilots' ? 0 : mine(c) ? 1 : 2);
    return [...state.server.channels].sort((a, b) => rank(a) - rank(b));
  }

  function unreadCount(channel) {
    const seen = seenSet();
    return state.activities.filter(
      (a) =>
        baseConversation(a.conversationId) === channel.id &&
        !seen.has(a.id) &&
        a.activity.from?.aadObjectId !== state.userAad,
    ).length;
  }

  function renderChannels() {
    const list = $('channel-list');
    const user = currentUser();
    $('no-channels').hidden = state.server.channels.length > 0;
    list.replaceChildren(
      ...orderedChannels().map((channel) => {
        const item = el('li');
        const button = el('button', 'channel');
        button.type = 'button';
        button.dataset.id = channel.id;
        button.dataset.name = channel.name;
        if (channel.id === state.channelId) button.setAttribute('aria-current', 'true');
        button.append(el('span', 'hash', channel.purpose === 'pilots' ? '★' : '#'));
        button.firstChild.setAttribute('aria-hidden', 'true');
        button.append(el('span', 'name', channel.name));
        if (user && channel.team && user.teams.includes(channel.team))
          button.append(el('span', 'mine', 'your team'));
        const unread = channel.id === state.channelId ? 0 : unreadCount(channel);
        if (unread > 0) {
          button.classList.add('has-unread');
          const badge = el('span', 'unread', String(unread));
          badge.setAttribute('aria-label', `${unread} unread`);
          button.append(badge);
        }
        button.addEventListener('click', () => selectChannel(channel.id, true));
        item.append(button);
        return item;
      }),
    );
  }

  function selectChannel(id, focusComposer) {
    if (state.channelId !== id) {
      state.channelId = id;
      save('channel', id);
    }
    if (state.server) {
      renderChannels();
      $('channel-view').hidden = !state.server.hasPlan || !currentChannel();
      renderPosts();
    }
    if (focusComposer) $('command-input').focus();
  }

  function renderGuide() {
    const server = state.server;
    const guide = $('guide');
    if (!server.hasPlan || server.channels.length === 0 || state.guideHidden) {
      guide.hidden = true;
      return;
    }
    guide.hidden = false;
    const pilot = server.directory.users.find((u) => u.role === 'pilot');
    const iteration = server.iterations.includes('Run1') ? 'Run1' : (server.iterations[0] ?? 'NAME');
    const active = server.activeIteration;
    const steps = [];
    const step = (html, done) => {
      const li = el('li', done ? 'done' : '');
      li.innerHTML = html;
      steps.push(li);
    };
    step(
      `Pick <strong>${escapeHtml(pilot?.name ?? 'a pilot')}</strong> in “Acting as”, open <strong>Pilots</strong> and type <code>iteration ${escapeHtml(active?.name ?? iteration)}</code>.`,
      Boolean(active),
    );
    if (!active) {
      step(
        'Then pick a member of a team with a ready step, open that team’s channel and press <strong>Start</strong> on its card.',
        false,
      );
    } else if (server.ready.length > 0) {
      const examples = server.ready
        .slice(0, 3)
        .map(
          (r) =>
            `<strong>${escapeHtml(r.id)}</strong> for ${escapeHtml(r.team)}${r.members[0] ? ` (e.g. <strong>${escapeHtml(r.members[0])}</strong>)` : ''}`,
        )
        .join('; ');
      step(
        `Ready now: ${examples}. Pick that person, open the team’s channel and press <strong>Start</strong> on the card; then start and finish its tasks and press <strong>Done</strong>.`,
        false,
      );
      step(
        'The next step’s card appears in its team’s channel. As a pilot, try <code>hold ID</code> or <code>ready</code> in Pilots.',
        false,
      );
    } else {
      step(
        `No step is ready in ${escapeHtml(active.name)} right now. Type <code>ready</code> or <code>late</code> in Pilots.`,
        false,
      );
    }
    $('guide-steps').replaceChildren(...steps);
  }

  // ---------- rendering: posts ----------
  function channelActivities() {
    const channel = currentChannel();
    if (!channel) return { roots: [], replies: new Map() };
    const mine = state.activities.filter((a) => baseConversation(a.conversationId) === channel.id);
    const ids = new Set(mine.map((a) => a.id));
    const roots = [];
    const replies = new Map();
    for (const activity of mine) {
      // A reply to something that is not a post here (the bot's welcome answers its installation) is a post.
      if (activity.replyToId && ids.has(activity.replyToId)) {
        const list = replies.get(activity.replyToId) ?? [];
        list.push(activity);
        replies.set(activity.replyToId, list);
      } else roots.push(activity);
    }
    return { roots, replies };
  }

  function overrideOf(activity) {
    const override = state.overrides.get(`${state.userAad}|${activity.id}`);
    // The bot updated the message since: everyone, this viewer included, sees the new version.
    if (override && override.updates < activity.updates) {
      state.overrides.delete(`${state.userAad}|${activity.id}`);
      return null;
    }
    return override ?? null;
  }

  const signatureOf = (activity) =>
    [
      activity.updates,
      overrideOf(activity)?.version ?? 0,
      state.notices.get(activity.id) ?? '',
      state.busy.has(activity.id) ? 'busy' : '',
    ].join('|');

  function renderPosts() {
    const posts = $('posts');
    const channel = currentChannel();
    const user = currentUser();
    if (!channel || !state.server?.hasPlan) return;
    const viewKey = `${state.userAad}|${channel.id}`;
    if (state.renderedFor !== viewKey) {
      state.renderedFor = viewKey;
      state.rendered.clear();
      posts.replaceChildren();
      $('channel-title').textContent = channel.purpose === 'pilots' ? 'Pilots' : channel.name;
      $('channel-subtitle').textContent =
        channel.purpose === 'pilots'
          ? 'The pilots’ channel: one line per step status change, and pilot commands.'
          : channel.purpose === 'team'
            ? `The channel of ${channel.team}: its step cards appear here when they become ready.`
            : 'Not linked to a team: a pilot types link <team> or link pilots.';
      $('command-input').disabled = !user;
      $('send').disabled = !user;
    }
    const nearBottom = posts.scrollHeight - posts.scrollTop - posts.clientHeight < 80;
    const { roots, replies } = channelActivities();
    let added = false;

    for (const root of roots) {
      let entry = state.rendered.get(root.id);
      if (!entry) {
        const node = el('article', 'post');
        node.dataset.id = root.id;
        posts.append(node);
        entry = { node, signature: null, replies: null };
        state.rendered.set(root.id, entry);
        added = true;
      }
      const signature = signatureOf(root);
      if (entry.signature !== signature) {
        fillPost(entry, root, false);
        entry.signature = signature;
      }
      for (const reply of replies.get(root.id) ?? []) {
        let replyEntry = state.rendered.get(reply.id);
        if (!replyEntry) {
          const node = el('div', 'reply');
          node.dataset.id = reply.id;
          entry.replies.append(node);
          replyEntry = { node, signature: null };
          state.rendered.set(reply.id, replyEntry);
          added = true;
        }
        const replySignature = signatureOf(reply);
        if (replyEntry.signature !== replySignature) {
          fillPost(replyEntry, reply, true);
          replyEntry.signature = replySignature;
        }
      }
    }
    let empty = posts.querySelector('.empty-channel');
    if (roots.length === 0 && !empty) {
      empty = el(
        'p',
        'empty-channel',
        'Nothing here yet. Cards appear when a step of this team becomes ready.',
      );
      posts.append(empty);
    } else if (roots.length > 0 && empty) empty.remove();
    if (added && (nearBottom || state.scrollOnNext)) posts.scrollTop = posts.scrollHeight;
    state.scrollOnNext = false;
    if (document.visibilityState === 'visible') {
      markSeen(roots.map((r) => r.id).concat([...replies.values()].flat().map((r) => r.id)));
    }
  }

  /** (Re)fills a post or reply: header, text, cards, notice. A post keeps its replies' container. */
  function fillPost(entry, activity, isReply) {
    const { node } = entry;
    const person = isFromPerson(activity);
    const author = person ? activity.activity.from.name : 'Runsheet';
    const avatar = el('div', `avatar${person ? '' : ' bot'}`, person ? initials(author) : 'R');
    avatar.setAttribute('aria-hidden', 'true');
    if (person) avatar.style.background = avatarColour(activity.activity.from.id);
    const main = el('div', 'post-main');
    const meta = el('div', 'post-meta');
    meta.append(el('span', 'author', author));
    if (!person) meta.append(el('span', 'app-tag', 'App'));
    const time = el('time', '', timeOf(activity.createdAt));
    time.dateTime = activity.createdAt;
    meta.append(time);
    if (activity.updates > 0) {
      const edited = el('span', 'edited', 'Edited');
      edited.title = `Updated ${activity.updates} time${activity.updates === 1 ? '' : 's'}, last at ${timeOf(activity.updatedAt)}`;
      meta.append(edited);
    }
    main.append(meta);

    const message = activity.activity;
    if (typeof message.text === 'string' && message.text.trim() !== '') {
      const text = el('div', 'text-body');
      text.innerHTML = renderMarkdown(message.text);
      main.append(text);
    }
    const override = overrideOf(activity);
    const cards = (message.attachments ?? []).filter((a) => a.contentType === CARD_TYPE);
    cards.forEach((attachment, index) => {
      const card = index === 0 && override ? override.card : attachment.content;
      main.append(renderCard(card, activity));
      if (index === 0 && override)
        main.append(
          el('div', 'card-view-note', 'Your view of this card, as the bot answered your last action.'),
        );
    });
    if (state.busy.has(activity.id)) main.append(el('div', 'working', 'Sending to the bot…'));
    const notice = el('div', 'post-notice');
    notice.setAttribute('role', 'status');
    notice.textContent = state.notices.get(activity.id) ?? '';
    main.append(notice);

    node.classList.toggle('busy', state.busy.has(activity.id));
    // For tests and the curious: which version is shown, and whether it is this viewer's own card.
    node.dataset.updates = String(activity.updates);
    node.dataset.view = override ? 'own' : 'shared';
    node.setAttribute('aria-busy', state.busy.has(activity.id) ? 'true' : 'false');
    if (isReply) {
      node.replaceChildren(avatar, main);
    } else {
      entry.replies ??= el('div', 'replies');
      main.append(entry.replies);
      node.replaceChildren(avatar, main);
      node.setAttribute(
        'aria-label',
        `${author}${cards.length > 0 ? ', card' : ''}, ${timeOf(activity.createdAt)}`,
      );
    }
    maybeAutoRefresh(activity, cards[0]?.content);
  }

  function renderCard(json, activity) {
    const frame = el('div', 'card-frame');
    if (!window.AdaptiveCards) {
      frame.textContent = 'The Adaptive Cards renderer did not load.';
      return frame;
    }
    try {
      const card = new AdaptiveCards.AdaptiveCard();
      card.hostConfig = new AdaptiveCards.HostConfig(HOST_CONFIG);
      card.onExecuteAction = (action) => void onCardAction(action, activity);
      card.parse(json);
      const rendered = card.render();
      if (rendered) frame.append(rendered);
    } catch (error) {
      frame.textContent = `This card could not be rendered: ${error.message}`;
    }
    return frame;
  }

  // ---------- acting ----------
  function teamsFrom(user) {
    return { id: user.id, aadObjectId: user.aadObjectId, name: user.name };
  }
  function channelData(channel) {
    return {
      teamsChannelId: channel.id,
      teamsTeamId: channel.id,
      channel: { id: channel.id, name: channel.name },
      team: { id: channel.id, name: channel.name },
      tenant: { id: state.server.tenantId },
    };
  }
  function conversation(channel, threadId) {
    return {
      isGroup: true,
      conversationType: 'channel',
      tenantId: state.server.tenantId,
      id: `${channel.id};messageid=${threadId}`,
      name: channel.name,
    };
  }

  /** An invoke from a card button, as Teams sends it: `adaptiveCard/action` (Action.Execute) or `task/fetch`. */
  async function invokeCardAction(activity, action, trigger, name = 'adaptiveCard/action', value = null) {
    const user = currentUser();
    const channel = currentChannel();
    const threadId = activity.replyToId ?? activity.id;
    const invoke = {
      type: 'invoke',
      name,
      id: `f:dev-invoke-${randomId()}`,
      timestamp: new Date().toISOString(),
      serviceUrl: state.server.serviceUrl,
      channelId: 'msteams',
      from: teamsFrom(user),
      conversation: conversation(channel, threadId),
      recipient: { ...state.server.bot },
      replyToId: activity.id,
      value: value ?? { action, trigger },
      channelData: { ...channelData(channel), source: { name: 'message' } },
      locale: 'en-GB',
    };
    return postJson('/api/messages', invoke);
  }

  let overrideVersion = 0;
  async function onCardAction(action, activity) {
    const type = action.getJsonTypeName();
    if (type === 'Action.OpenUrl') {
      if (/^https?:\/\//i.test(action.url ?? '')) window.open(action.url, '_blank', 'noopener,noreferrer');
      return;
    }
    if (type !== 'Action.Execute' && type !== 'Action.Submit') return;
    const user = currentUser();
    if (!user) return;
    if (type === 'Action.Submit') {
      if (action.data?.msteams?.type === 'task/fetch') {
        await openTaskModule(activity, action.data);
        return;
      }
      state.notices.set(activity.id, 'This Action.Submit opens nothing Runsheet knows; nothing was sent.');
      renderPosts();
      return;
    }
    state.busy.add(activity.id);
    state.notices.delete(activity.id);
    renderPosts();
    try {
      const { status, body } = await invokeCardAction(
        activity,
        { type: 'Action.Execute', id: action.id, verb: action.verb, data: action.data ?? {} },
        'manual',
      );
      applyInvokeResponse(activity, status, body);
    } catch (error) {
      state.notices.set(activity.id, `Could not reach the bot: ${error.message}`);
    } finally {
      state.busy.delete(activity.id);
      renderPosts();
      pollSoon();
    }
  }

  /**
   * A button that opens a Teams dialog (Action.Submit with `msteams: { type: 'task/fetch' }`): the
   * bot answers the `task/fetch` invoke with the dialog's URL (shown framed, as Teams does) or a message.
   */
  async function openTaskModule(activity, data) {
    state.busy.add(activity.id);
    state.notices.delete(activity.id);
    renderPosts();
    try {
      const { status, body } = await invokeCardAction(activity, null, null, 'task/fetch', {
        data,
        context: { theme: 'default' },
      });
      const task = body?.task;
      if (status === 200 && task?.type === 'continue' && task.value?.url) {
        showTaskDialog(activity, task.value);
      } else if (status === 200 && task?.type === 'message') {
        state.notices.set(activity.id, String(task.value ?? ''));
      } else {
        state.notices.set(activity.id, `The bot answered ${status}: ${JSON.stringify(body)}`);
      }
    } catch (error) {
      state.notices.set(activity.id, `Could not reach the bot: ${error.message}`);
    } finally {
      state.busy.delete(activity.id);
      renderPosts();
    }
  }

  let dialogActivity = null;
  function showTaskDialog(activity, task) {
    const dialog = $('task-dialog');
    dialogActivity = activity;
    $('task-dialog-title').textContent = task.title ?? 'Dialog';
    $('task-dialog-frame').src = task.url;
    if (!dialog.open) dialog.showModal();
  }
  function closeTaskDialog(message) {
    const dialog = $('task-dialog');
    if (dialog.open) dialog.close();
    $('task-dialog-frame').src = 'about:blank';
    if (message && dialogActivity) {
      state.notices.set(dialogActivity.id, message);
      renderPosts();
    }
    dialogActivity = null;
  }

  function applyInvokeResponse(activity, status, body) {
    if (status === 200 && body && body.statusCode === 200 && body.type === CARD_TYPE) {
      state.overrides.set(`${state.userAad}|${activity.id}`, {
        card: body.value,
        updates: activity.updates,
        version: ++overrideVersion,
      });
    } else if (status === 200 && body && body.type === 'application/vnd.microsoft.activity.message') {
      state.notices.set(activity.id, String(body.value ?? ''));
    } else {
      const message = body?.value?.message ?? body?.error ?? JSON.stringify(body);
      state.notices.set(activity.id, `The bot answered ${body?.statusCode ?? status}: ${message}`);
    }
  }

  /**
   * Universal Actions' automatic refresh: Teams asks the bot for the viewer's own card when the
   * card's `refresh.userIds` lists them (or has no list). Runsheet lists the pilots and the owning
   * team's members it has heard from; the Refresh button does the same by hand for anyone else.
   */
  function maybeAutoRefresh(activity, card) {
    const refresh = card?.refresh;
    const user = currentUser();
    if (!refresh?.action || !user) return;
    if (Array.isArray(refresh.userIds) && !refresh.userIds.includes(user.id)) return;
    const key = `${user.aadObjectId}|${activity.id}|${activity.updates}`;
    if (state.autoRefreshed.has(key) || state.overrides.has(`${user.aadObjectId}|${activity.id}`)) return;
    state.autoRefreshed.add(key);
    invokeCardAction(activity, { type: 'Action.Execute', ...refresh.action }, 'automatic')
      .then(({ status, body }) => {
        if (status === 200 && body?.type === CARD_TYPE) {
          applyInvokeResponse(activity, status, body);
          renderPosts();
        }
      })
      .catch(() => undefined);
  }

  async function sendCommand(rawText) {
    const user = currentUser();
    const channel = currentChannel();
    const command = rawText.replace(/^\s*@?runsheet\b[:,]?\s*/i, '').trim();
    if (!user || !channel || command === '') return false;
    const text = `<at>${state.server.bot.name}</at> ${command}`;
    const recorded = await postJson('/dev/api/posts', {
      conversationId: channel.id,
      text,
      from: teamsFrom(user),
    });
    if (!recorded.ok) throw new Error(recorded.body?.error ?? `status ${recorded.status}`);
    const id = recorded.body.id;
    const message = {
      type: 'message',
      id,
      timestamp: new Date().toISOString(),
      serviceUrl: state.server.serviceUrl,
      channelId: 'msteams',
      from: teamsFrom(user),
      conversation: conversation(channel, id),
      recipient: { ...state.server.bot },
      textFormat: 'plain',
      text,
      entities: [
        { type: 'mention', text: `<at>${state.server.bot.name}</at>`, mentioned: { ...state.server.bot } },
        { type: 'clientInfo', locale: 'en-GB', platform: 'Web' },
      ],
      channelData: channelData(channel),
      locale: 'en-GB',
    };
    state.scrollOnNext = true;
    pollSoon();
    const answer = await postJson('/api/messages', message);
    if (!answer.ok) state.notices.set(id, `The bot answered ${answer.status}: ${answer.body?.error ?? ''}`);
    return true;
  }

  async function setUpDemo(statusBox, button) {
    button.disabled = true;
    statusBox.classList.remove('error');
    statusBox.textContent = 'Loading the demo plan, the people and the channels… (a few seconds)';
    const before = state.activities.map((a) => a.id);
    try {
      const { ok, body, status } = await postJson('/dev/api/demo', {});
      if (!ok) throw new Error(body?.error ?? `status ${status}`);
      // What the set-up itself said in the channels (welcomes, links) is not news to anyone.
      const activities = await requestJson('/dev/api/activities');
      save('baseline', [...before, ...(activities.body ?? []).map((a) => a.id)]);
      state.seen = null;
      state.guideHidden = false;
      save('guide-hidden', false);
      const notes = body.notes?.length ? ` ${body.notes.join(' ')}` : '';
      statusBox.textContent = `Done: ${body.plan === 'imported' ? 'demo plan imported' : 'plan kept'}, ${body.channels.length} channel(s) created.${notes}`;
      const pilot = state.server?.directory.users.find((u) => u.role === 'pilot');
      state.channelId = null;
      if (!pilot) state.userAad = null;
      await poll();
      const pilots = state.server?.channels.find((c) => c.purpose === 'pilots');
      if (pilots) selectChannel(pilots.id, false);
    } catch (error) {
      statusBox.classList.add('error');
      statusBox.textContent = `The demo could not be set up: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  }

  // ---------- wiring ----------
  function start() {
    // For the dev page's mail view (dev-mail.js): who is acting, and what the service said.
    window.runsheetDev = { currentUser, server: () => state.server, pollSoon };
    $('task-dialog-close').addEventListener('click', () => closeTaskDialog(null));
    window.addEventListener('message', (event) => {
      if (event.origin !== window.location.origin || event.data?.type !== 'runsheet.dialog.done') return;
      closeTaskDialog(String(event.data.message ?? ''));
      pollSoon();
    });
    if (window.AdaptiveCards) {
      AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
        result.outputHtml = renderMarkdown(text);
        result.didProcess = true;
      };
    }
    $('user-select').addEventListener('change', (event) => {
      state.userAad = event.target.value;
      save('user', state.userAad);
      state.seen = null;
      render();
    });
    $('composer').addEventListener('submit', async (event) => {
      event.preventDefault();
      const input = $('command-input');
      const text = input.value;
      if (text.trim() === '') return;
      input.value = '';
      try {
        await sendCommand(text);
      } catch (error) {
        input.value = text;
        setConnection(`The message was not sent: ${error.message}`);
      } finally {
        pollSoon();
      }
    });
    $('load-demo').addEventListener('click', (event) => setUpDemo($('demo-status'), event.currentTarget));
    $('create-channels').addEventListener('click', (event) =>
      setUpDemo($('setup-status'), event.currentTarget),
    );
    $('guide-hide').addEventListener('click', () => {
      state.guideHidden = true;
      save('guide-hidden', true);
      $('guide').hidden = true;
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') render();
    });
    void poll();
  }

  start();
})();
