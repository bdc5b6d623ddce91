/**
 * The activation email over HTTP, as Teams and a pilot drive it: a `task/fetch` invoke from the
 * step card's Activate answered with the dialog, the dialog's API with and without a valid token,
 * Send → `mail.activation` job → the mail transport with the exact message (recipients, subject,
 * HTML body, the card in the head), comms modes test, live and off; then Outlook: a card action from
 * the Outlook channel turned into an engine transition, answered with the Outlook card.
 */
import fs from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/audit/sha256.js';
import { queryRows } from '../../src/db/client.js';
import { sql } from '../../src/db/orm.js';
import { cardOfMailDocument } from '../../src/mail/compose-mail.js';
import { DialogTokens, loadDialogKey } from '../../src/teams/dialog/dialog-token.js';
import { RecordingTransport } from '../support/recording-transport.js';
import { PEOPLE, smallPlan } from '../support/small-plan.js';
import { useBotOverHttp } from '../support/bot-over-http.js';

const ORIGINATOR = '2d6e3b1a-0c4b-4f3e-9a51-5f0e7d6c8b9a';
const MAILBOX = 'cutover@bank.example';
const SERVICE = 'https://smba.trafficmanager.net/emea/';
const ENGINE_CHANNEL = '19:engine-general-thread@thread.tacv2';
const now = new Date('2026-12-05T18:30:00Z');

const transport = new RecordingTransport('graph-request');
const bot = useBotOverHttp({
  prefix: 'runsheet-mail-',
  clock: () => now,
  plan: () => {
    const plan = smallPlan();
    plan.steps[0]!.title = 'Export <script>alert("title")</script> & load';
    plan.steps[0]!.instructionsUrl = 'https://wiki.bank.example/trt-1';
    return plan;
  },
  env: { RUNSHEET_ACTIONABLE_ORIGINATOR: ORIGINATOR, RUNSHEET_MAILBOX: MAILBOX },
  mailTransport: transport,
});

beforeAll(async () => {
  const activated = await bot.engine.execute({
    action: 'activate',
    subject: 'Run1',
    actor: { email: PEOPLE.pilot.email },
    source: 'cli',
  });
  expect(activated.outcome).toBe('applied');
  await bot.teams.worker.runOnce(); // the ready card's sync: no channel linked here, so nothing is posted
});

/** A JSON answer; tests read whatever shape they expect. */
type Answer = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

async function post(url: string, body: object, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${bot.base}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${bot.base}${url}`, { headers });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** The `task/fetch` invoke Teams sends when `person` presses Activate… on TRT-1's card. */
function activateInvoke(person: keyof typeof PEOPLE, step = 'TRT-1') {
  return {
    type: 'invoke',
    name: 'task/fetch',
    id: `f:task-${Math.random().toString(16).slice(2)}`,
    channelId: 'msteams',
    serviceUrl: SERVICE,
    from: { id: `29:${person}`, aadObjectId: PEOPLE[person].aadObjectId, name: PEOPLE[person].name },
    conversation: { isGroup: true, conversationType: 'channel', id: `${ENGINE_CHANNEL};messageid=1` },
    recipient: { id: '28:runsheet', name: 'Runsheet' },
    value: {
      data: { msteams: { type: 'task/fetch' }, verb: 'step.activate', step, iteration: 'Run1' },
      context: { theme: 'default' },
    },
  };
}

/** The dialog URL the bot answers a pilot's Activate with, and the token in it. */
async function openDialog(): Promise<{ url: string; token: string }> {
  const answer = await post('/api/messages', activateInvoke('pilot'));
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({
    task: {
      type: 'continue',
      value: { title: 'Activation email · TRT-1', width: 'large', height: 'large' },
    },
  });
  const url = answer.body.task.value.url as string;
  return { url, token: new URL(url).searchParams.get('token')! };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function auditEvents(type: string) {
  return queryRows<{ actor: string; subject: string; details: Record<string, unknown> }>(
    bot.database.db,
    sql`select actor, subject, details from audit_events where type = ${type} order by seq`,
  );
}

describe('the activation dialog', () => {
  it("answers a pilot's Activate with the dialog page, and a team member's with why not", async () => {
    const { url, token } = await openDialog();
    expect(url.startsWith(`${bot.base}/dialogs/activation?token=`)).toBe(true);
    expect(token.split('.')).toHaveLength(3);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/dialogs/static/activation.js" defer></script>');
    expect(page.headers.get('content-security-policy')).toContain('frame-ancestors');
    expect(page.headers.get('content-security-policy')).toContain('https://teams.microsoft.com');

    const refused = await post('/api/messages', activateInvoke('engine'));
    expect(refused.body).toEqual({
      task: {
        type: 'message',
        value: 'Only a pilot can send an activation email. Luca Engine is in Engine.',
      },
    });
    expect((await auditEvents('mail.activation.refused')).at(-1)).toMatchObject({
      actor: PEOPLE.engine.email,
      subject: 'TRT-1',
      details: { code: 'ROLE' },
    });
  });

  it('answers nothing without a valid token: none, a forged one, an expired one', async () => {
    expect(await get('/dialogs/activation/api/draft')).toEqual({
      status: 401,
      body: { error: 'No identity: open the activation dialog from Teams (Activate on the step card).' },
    });
    const { token } = await openDialog();
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await get('/dialogs/activation/api/draft', bearer(forged))).status).toBe(401);
    const earlier = new DialogTokens(
      () => loadDialogKey(bot.database.db, undefined),
      () => new Date(now.getTime() - 31 * 60_000),
    );
    const expired = await earlier.mint({
      email: PEOPLE.pilot.email,
      aadObjectId: null,
      step: 'TRT-1',
      iteration: 'Run1',
    });
    const late = await get('/dialogs/activation/api/draft', bearer(expired));
    expect(late.status).toBe(401);
    expect(late.body.error).toContain('expired');
    const send = await post('/dialogs/activation/api/send', { to: [], cc: [], subject: 'x', bodyHtml: null });
    expect(send.status).toBe(401);
    expect(transport.sent).toEqual([]);
  });

  it('drafts from the template: the team in To, the pilots in Cc, the title escaped', async () => {
    const { token } = await openDialog();
    const draft = await get('/dialogs/activation/api/draft', bearer(token));
    expect(draft.status).toBe(200);
    expect(draft.body).toMatchObject({
      step: 'TRT-1',
      team: 'Engine',
      iteration: 'Run1',
      comms: 'test',
      to: [
        { name: 'Luca Engine', email: 'luca.engine@bank.example' },
        { name: 'Anna Engine', email: 'anna.engine@bank.example' },
      ],
      cc: [{ name: 'Claire Pilot', email: 'claire.pilot@bank.example' }],
      subject: '[Runsheet] Run1 · TRT-1 is yours to start: Export <script>alert("title")</script> & load',
      pilot: { name: 'Claire Pilot' },
    });
    expect(draft.body.bodyHtml).toContain(
      '<strong>TRT-1 Export &lt;script&gt;alert("title")&lt;/script&gt; &amp; load</strong>',
    );
    expect(draft.body.bodyHtml).toContain(
      '<a href="https://wiki.bank.example/trt-1">https://wiki.bank.example/trt-1</a>',
    );
    expect(draft.body.bodyHtml).toContain('<p>Thank you,<br />Claire Pilot, for the cutover pilots</p>');

    const preview = await post(
      '/dialogs/activation/api/preview',
      { subject: 'Go', bodyHtml: '<p>Hi <b>team</b></p><script>alert(1)</script>' },
      bearer(token),
    );
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ subject: 'Go', bodyHtml: '<p>Hi <b>team</b></p>', comms: 'test' });
    expect(preview.body.card).toMatchObject({ version: '1.4', originator: ORIGINATOR });
  });

  it('sends in test mode to the pilots only, with the TEST marks, the edited body sanitised, the card in the head', async () => {
    const { token } = await openDialog();
    const send = await post(
      '/dialogs/activation/api/send',
      {
        to: ['luca.engine@bank.example', ' Anna.Engine@bank.example '],
        cc: ['claire.pilot@bank.example'],
        subject: 'Please start TRT-1 now',
        bodyHtml:
          '<p>Start <strong>now</strong>, please.</p><script>alert("body")</script><p onclick="x()">Thanks</p>',
      },
      bearer(token),
    );
    expect(send).toEqual({
      status: 200,
      body: {
        message:
          'The activation email for TRT-1 is on its way to the pilots only (comms are in test mode in Run1).',
        to: ['claire.pilot@bank.example'],
        cc: [],
        edited: true,
      },
    });
    const [recorded] = (await auditEvents('mail.activation')).slice(-1);
    expect(recorded).toMatchObject({
      actor: PEOPLE.pilot.email,
      subject: 'TRT-1',
      details: {
        source: 'teams',
        comms: 'test',
        to: ['claire.pilot@bank.example'],
        cc: [],
        requestedTo: ['luca.engine@bank.example', 'anna.engine@bank.example'],
        subject: '[TEST] Please start TRT-1 now',
        bodySha256: sha256Hex('<p>Start <strong>now</strong>, please.</p><p>Thanks</p>'),
        edited: true,
        subjectEdited: true,
        recipientsEdited: false,
      },
    });

    expect(await bot.teams.worker.runOnce()).toBe(1);
    expect(transport.sent).toHaveLength(1);
    const mail = transport.sent[0]!;
    expect({ ...mail, html: undefined }).toEqual({
      from: MAILBOX,
      to: ['claire.pilot@bank.example'],
      cc: [],
      subject: '[TEST] Please start TRT-1 now',
      html: undefined,
    });
    expect(mail.html).toContain('<p>Start <strong>now</strong>, please.</p><p>Thanks</p>');
    expect(mail.html).toContain(
      'TEST · Run1 runs with comms in test mode: this mail went to the pilots only, not to luca.engine@bank.example, anna.engine@bank.example.',
    );
    expect(mail.html).not.toMatch(/alert\("body"\)|onclick|<script>alert/);
    // One script element: the card, as Outlook reads it from the head.
    expect(mail.html.match(/<script/g)).toEqual(['<script']);
    expect(mail.html.indexOf('application/adaptivecard+json')).toBeLessThan(mail.html.indexOf('</head>'));
    const card = cardOfMailDocument(mail.html)!;
    expect(card).toMatchObject({
      type: 'AdaptiveCard',
      version: '1.4',
      originator: ORIGINATOR,
      refresh: {
        action: { type: 'Action.Execute', verb: 'card.refresh', data: { step: 'TRT-1', iteration: 'Run1' } },
      },
    });
    const text = JSON.stringify(card);
    expect(text).toContain('"type":"Action.Execute","id":"start","title":"Start","verb":"step.start"');
    expect(text).toContain('TEST · Run1 runs with comms in test mode');
    expect(text).not.toContain('Action.Submit');
    // The hostile title travels as JSON text with its < escaped, never as markup.
    expect(mail.html).toContain(
      'Export \\u003cscript\\u003ealert(\\"title\\")\\u003c/script\\u003e \\u0026 load',
    );
    expect((await auditEvents('mail.sent')).at(-1)).toMatchObject({
      actor: 'system',
      subject: 'TRT-1',
      details: {
        kind: 'activation',
        requestId: 'graph-request-1',
        to: ['claire.pilot@bank.example'],
        causedBy: recorded!.details.auditSeq ?? expect.any(Number),
      },
    });
  });

  it('sends in live mode to the team with the pilots in copy; an untouched body is recorded as not edited', async () => {
    await bot.database.db.execute(sql`update iterations set comms = 'live' where name = 'Run1'`);
    const { token } = await openDialog();
    const draft = (await get('/dialogs/activation/api/draft', bearer(token))).body;
    const send = await post(
      '/dialogs/activation/api/send',
      {
        to: draft.to.map((p: { email: string }) => p.email),
        cc: draft.cc.map((p: { email: string }) => p.email),
        subject: draft.subject,
        bodyHtml: null,
      },
      bearer(token),
    );
    expect(send.status).toBe(200);
    expect(send.body.edited).toBe(false);
    expect((await auditEvents('mail.activation')).at(-1)!.details).toMatchObject({
      comms: 'live',
      edited: false,
      subjectEdited: false,
      recipientsEdited: false,
      bodySha256: sha256Hex(draft.bodyHtml),
    });
    await bot.teams.worker.runOnce();
    const mail = transport.sent.at(-1)!;
    expect({ from: mail.from, to: mail.to, cc: mail.cc, subject: mail.subject }).toEqual({
      from: MAILBOX,
      to: ['luca.engine@bank.example', 'anna.engine@bank.example'],
      cc: ['claire.pilot@bank.example'],
      subject: draft.subject,
    });
    expect(mail.html).toContain(draft.bodyHtml);
    expect(mail.html).not.toContain('TEST ·');
  });

  it('refuses bad addresses, and in comms off sends nothing and says so plainly', async () => {
    const { token } = await openDialog();
    const bad = await post(
      '/dialogs/activation/api/send',
      { to: ['not-an-address'], cc: [], subject: 'x', bodyHtml: null },
      bearer(token),
    );
    expect(bad).toEqual({
      status: 400,
      body: { code: 'INVALID_INPUT', error: 'Nothing was sent: not an email address: not-an-address.' },
    });
    await bot.database.db.execute(sql`update iterations set comms = 'off' where name = 'Run1'`);
    const off = await post(
      '/dialogs/activation/api/send',
      { to: ['luca.engine@bank.example'], cc: [], subject: 'x', bodyHtml: null },
      bearer(token),
    );
    expect(off).toEqual({
      status: 409,
      body: {
        code: 'COMMS_OFF',
        error: 'Comms are off in Run1: no email is sent. Nothing was sent to anyone.',
      },
    });
    expect((await post('/api/messages', activateInvoke('pilot'))).body).toEqual({
      task: {
        type: 'message',
        value: 'Comms are off in Run1: no email is sent. Nothing was sent to anyone.',
      },
    });
    const sentBefore = transport.sent.length;
    expect(await bot.teams.worker.runOnce()).toBe(0);
    expect(transport.sent).toHaveLength(sentBefore);
    await bot.database.db.execute(sql`update iterations set comms = 'test' where name = 'Run1'`);
  });

  it('answers the activate chat command with a card whose button opens the dialog', async () => {
    let reply: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const message = {
      type: 'message',
      id: 'msg-activate',
      channelId: 'msteams',
      serviceUrl: SERVICE,
      from: { id: '29:pilot', aadObjectId: PEOPLE.pilot.aadObjectId, name: PEOPLE.pilot.name },
      conversation: {
        isGroup: true,
        conversationType: 'channel',
        id: `${ENGINE_CHANNEL};messageid=msg-activate`,
      },
      recipient: { id: '28:runsheet', name: 'Runsheet' },
      text: '<at>Runsheet</at> activate trt1 TRT-9',
      entities: [{ type: 'mention', text: '<at>Runsheet</at>', mentioned: { id: '28:runsheet' } }],
    };
    const scope = nock('https://smba.trafficmanager.net')
      .post(
        `/emea/v3/conversations/${encodeURIComponent(message.conversation.id)}/activities/msg-activate`,
        (body) => {
          reply = body;
          return true;
        },
      )
      .reply(200, { id: 'reply-1' });
    expect((await post('/api/messages', message)).status).toBe(200);
    scope.done();
    expect(reply.text).toBe('⛔ TRT-9: There is no step TRT-9 in the plan.');
    expect(reply.attachments).toHaveLength(1);
    expect(reply.attachments[0].content.actions).toEqual([
      {
        type: 'Action.Submit',
        title: 'Write the activation email…',
        data: { msteams: { type: 'task/fetch' }, verb: 'step.activate', step: 'TRT-1', iteration: 'Run1' },
      },
    ]);
  });
});

describe('Outlook actionable messages', () => {
  /** An `adaptiveCard/action` invoke from the bot's Outlook channel. */
  function outlookInvoke(from: Record<string, string>, verb: string, data: Record<string, unknown>) {
    return {
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: `outlook-${Math.random().toString(16).slice(2)}`,
      channelId: 'outlook',
      serviceUrl: 'https://outlook.botframework.com/',
      from,
      conversation: { id: 'outlook-conversation' },
      recipient: { id: '28:runsheet', name: 'Runsheet' },
      value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
    };
  }

  it('turns Start pressed in a mail into the engine transition, answered with the Outlook card', async () => {
    const answer = await post(
      '/api/messages',
      outlookInvoke(
        { id: 'outlook-user', aadObjectId: PEOPLE.engine.aadObjectId, name: 'Luca Engine' },
        'step.start',
        {
          step: 'TRT-1',
          iteration: 'Run1',
          seen: 'OPEN',
        },
      ),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.card.adaptive',
      value: { type: 'AdaptiveCard', version: '1.4', originator: ORIGINATOR },
    });
    const card = JSON.stringify(answer.body.value);
    expect(card).toContain('TRT-1 started by Luca Engine');
    expect(card).toContain('IN PROGRESS');
    expect(answer.body.value.msteams).toBeUndefined();
    const [event] = await queryRows<{ actor: string; details: { source: string; action: string } }>(
      bot.database.db,
      sql`select actor, details from audit_events where type = 'step.start' and subject = 'TRT-1'`,
    );
    expect(event).toMatchObject({
      actor: PEOPLE.engine.email,
      details: { source: 'outlook', action: 'start' },
    });
    // The Teams card follows, as after any change: its sync job is waiting.
    const jobs = await queryRows<{ kind: string }>(
      bot.database.db,
      sql`select kind from jobs where state = 'pending' and kind = 'step-card.sync'`,
    );
    expect(jobs).toEqual([{ kind: 'step-card.sync' }]);
    // The Outlook user is not taken for a Teams user (their id is no Teams id).
    const users = await queryRows<{ teams_user_id: string }>(
      bot.database.db,
      sql`select teams_user_id from teams_users where teams_user_id = 'outlook-user'`,
    );
    expect(users).toEqual([]);
  });

  it("refreshes the card into the opener's own view, found by address when Outlook gives only that", async () => {
    const answer = await post(
      '/api/messages',
      outlookInvoke({ id: PEOPLE.pilot.email, name: 'Claire Pilot' }, 'card.refresh', {
        step: 'TRT-1',
        iteration: 'Run1',
      }),
    );
    expect(answer.body.statusCode).toBe(200);
    const card = JSON.stringify(answer.body.value);
    // A pilot's own view (Hold…), without the Teams-only Activate dialog button.
    expect(card).toContain('"verb":"step.hold"');
    expect(card).not.toContain('Action.Submit');
    const stranger = await post(
      '/api/messages',
      outlookInvoke({ id: 'nobody@elsewhere.example', name: 'Nobody' }, 'step.done', {
        step: 'TRT-1',
        iteration: 'Run1',
        seen: 'IN_PROGRESS',
      }),
    );
    expect(JSON.stringify(stranger.body.value)).toContain('Nobody is not in the directory, so cannot act.');
    expect((await auditEvents('card.refused')).at(-1)).toMatchObject({
      actor: 'nobody@elsewhere.example',
      details: { source: 'outlook', code: 'UNKNOWN_USER' },
    });
  });
});

describe('the seeded templates', () => {
  it('are in the database after start, once', async () => {
    const rows = await queryRows<{ name: string; updated_by: string | null }>(
      bot.database.db,
      sql`select name, updated_by from email_templates order by name`,
    );
    expect(rows).toEqual([
      { name: 'activation', updated_by: null },
      { name: 'status-change', updated_by: null },
    ]);
    expect(fs.existsSync(path.resolve(import.meta.dirname, '../../templates/mail/activation.html'))).toBe(
      true,
    );
  });
});
