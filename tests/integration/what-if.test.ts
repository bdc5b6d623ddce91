/**
 * What-if before acting, over HTTP as Teams drives the bot: `hold TRT-1?` (any `verb ID?`) in chat
 * and the pilot's Hold button answer with a confirmation card that shows the effect on the forecast
 * and changes nothing; confirming applies the action and the audit keeps the forecast that was shown.
 */
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { sql } from '../../src/db/orm.js';
import { PEOPLE } from '../support/small-plan.js';
import { useBotOverHttp } from '../support/bot-over-http.js';
import { postToBot, teamsFixture, TEAMS_SERVICE } from '../support/teams-activities.js';

const fixture = teamsFixture;
const SERVICE = TEAMS_SERVICE;
const ENGINE_CHANNEL = '19:engine-general-thread@thread.tacv2';
const enc = encodeURIComponent;

let now = new Date('2026-12-05T22:50:00Z');
const bot = useBotOverHttp({ prefix: 'runsheet-what-if-', clock: () => now });

beforeAll(async () => {
  for (const [action, subject, person] of [
    ['activate', 'Run1', 'pilot'],
    ['start', 'TRT-1', 'engine'],
  ] as const) {
    const result = await bot.engine.execute({
      action,
      subject,
      actor: { aadObjectId: PEOPLE[person].aadObjectId },
      source: 'teams',
    });
    expect(result.outcome, result.message).toBe('applied');
  }
  now = new Date('2026-12-05T23:00:00Z');
});

const post = (activity: object) => postToBot(bot.base, activity);

type Card = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A pilot's chat message in the Engine channel, and the bot's reply: its text and its cards. */
async function chatReply(text: string): Promise<{ text: string; cards: Card[] }> {
  const message = fixture('channel-command.json');
  message.from = { id: '29:pilot', aadObjectId: PEOPLE.pilot.aadObjectId, name: PEOPLE.pilot.name };
  message.conversation = { ...message.conversation, id: `${ENGINE_CHANNEL};messageid=${message.id}` };
  message.text = `<at>Runsheet</at> ${text}`;
  let reply: { text?: string; attachments?: { contentType: string; content: Card }[] } = {};
  nock(SERVICE)
    .post(
      `/emea/v3/conversations/${enc(message.conversation.id)}/activities/${enc(message.id)}`,
      (body: typeof reply) => {
        reply = body;
        return true;
      },
    )
    .reply(200, { id: 'reply-1' });
  expect((await post(message)).status).toBe(200);
  for (const attachment of reply.attachments ?? [])
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
  return { text: reply.text ?? '', cards: (reply.attachments ?? []).map((a) => a.content) };
}

/** A pilot presses a button of a card the bot posted in the Engine channel; the answered card. */
async function press(action: { verb: string; data: object }): Promise<Card> {
  const invoke = fixture('card-action-execute.json');
  invoke.conversation.id = `${ENGINE_CHANNEL};messageid=1764000000999`;
  invoke.from = { ...invoke.from, aadObjectId: PEOPLE.pilot.aadObjectId, name: PEOPLE.pilot.name };
  invoke.value.action = { type: 'Action.Execute', ...action };
  const response = await post(invoke);
  expect(response.status).toBe(200);
  return response.body.value;
}

/** What a hold could change: TRT-1's state, the jobs, the step events. */
async function state() {
  const [step] = await queryRows<{ status: string; version: number }>(
    bot.database.db,
    sql`select ss.status, ss.version from step_states ss join steps s on s.id = ss.step_id where s.key = 'TRT-1'`,
  );
  const [counts] = await queryRows<{ jobs: number; steps: number }>(
    bot.database.db,
    sql`select (select count(*)::int from jobs) as jobs,
               (select count(*)::int from audit_events where type like 'step.%') as steps`,
  );
  return { ...step, ...counts };
}

// TRT-1 (30 min) started 22:50Z, then TRT-3 and TRT-4 (30 min each): the chapter ends 00:20Z,
// 01:20 CET. Held now, TRT-1 resumes at 23:30Z (hold assumed 30 min) with 20 min left.
const EFFECT = [
  'Chapter Extraction: ends 2026-12-06 01:50 CET instead of 2026-12-06 01:20 CET (+30 min, planned 2026-12-06 02:00 CET).',
  'Run1: ends 2026-12-06 01:50 CET instead of 2026-12-06 01:20 CET (+30 min).',
  '2 steps move: TRT-3 +30 min, TRT-4 +30 min.',
];

describe('what-if before acting', () => {
  it('answers `hold TRT-1?` with the effect on the forecast and a confirmation card, and changes nothing', async () => {
    const before = await state();
    const reply = await chatReply('hold TRT-1 waiting for DBA?');
    expect(reply.text).toBe('Nothing has changed. Confirm on the card to apply it.');
    const [card] = reply.cards;
    expect(card.body.map((block: { text: string }) => block.text)).toEqual([
      'What if TRT-1 goes IN_PROGRESS → ON_HOLD now (a hold is assumed to last 30 min)',
      ...EFFECT,
      'Forecast with indicative durations.',
      'Reason: waiting for DBA',
      'Nothing has changed yet.',
    ]);
    expect(card.actions.map((a: { title: string }) => a.title)).toEqual(['Confirm hold of TRT-1']);
    expect(card.actions[0].data).toMatchObject({
      step: 'TRT-1',
      iteration: 'Run1',
      seen: 'IN_PROGRESS',
      holdReason: 'waiting for DBA',
      confirmed: true,
    });
    expect(await state()).toEqual(before);
  });

  it("answers a pilot's Hold press with a confirmation card, and changes nothing until confirmed", async () => {
    const before = await state();
    const press = fixture('card-action-execute.json');
    press.conversation.id = `${ENGINE_CHANNEL};messageid=1764000000999`;
    press.from = { ...press.from, aadObjectId: PEOPLE.pilot.aadObjectId, name: PEOPLE.pilot.name };
    press.value.action = {
      type: 'Action.Execute',
      verb: 'step.hold',
      data: { step: 'TRT-1', iteration: 'Run1', seen: 'IN_PROGRESS', holdReason: 'waiting for DBA' },
    };
    const response = await post(press);
    expect(response.status).toBe(200);
    const card = response.body.value;
    const texts = card.body.map((block: { text: string }) => block.text);
    expect(texts).toEqual([
      'What if TRT-1 goes IN_PROGRESS → ON_HOLD now (a hold is assumed to last 30 min)',
      ...EFFECT,
      'Forecast with indicative durations.',
      'Reason: waiting for DBA',
      'Nothing has changed yet.',
    ]);
    expect(await state()).toEqual(before);

    const confirm = card.actions.find((a: { verb: string }) => a.verb === 'step.hold');
    expect(confirm.data).toMatchObject({
      confirmed: true,
      holdReason: 'waiting for DBA',
      seen: 'IN_PROGRESS',
    });
    press.value.action = { type: 'Action.Execute', verb: confirm.verb, data: confirm.data };
    const applied = await post(press);
    expect(JSON.stringify(applied.body.value)).toContain('ON HOLD');
    expect(await state()).toMatchObject({ status: 'ON_HOLD', version: before.version! + 1 });
    type HoldDetails = { reason: string; forecastSeen: Record<string, unknown> };
    const [event] = await queryRows<{ details: HoldDetails }>(
      bot.database.db,
      sql`select details from audit_events where type = 'step.hold'`,
    );
    expect(event!.details.forecastSeen).toMatchObject({
      holdMinutes: 30,
      movedCount: 2,
      chapter: {
        name: 'Extraction',
        before: Date.parse('2026-12-06T00:20:00Z'),
        after: Date.parse('2026-12-06T00:50:00Z'),
      },
    });
    expect(event!.details.reason).toBe('waiting for DBA');
  });

  it("refuses a team member's Hold press at once, without a confirmation (holding is a pilot's action)", async () => {
    const before = await state();
    const press = fixture('card-action-execute.json');
    press.from = { ...press.from, aadObjectId: PEOPLE.engine.aadObjectId, name: PEOPLE.engine.name };
    press.value.action = {
      type: 'Action.Execute',
      verb: 'step.hold',
      data: { step: 'TRT-1', iteration: 'Run1', seen: 'ON_HOLD', holdReason: 'coffee' },
    };
    const card = JSON.stringify((await post(press)).body.value);
    expect(card).not.toContain('Nothing has changed yet');
    expect(card).toContain('Only a pilot');
    expect(await state()).toMatchObject({
      status: before.status,
      version: before.version,
      jobs: before.jobs,
    });
  });

  it('applies a chat what-if (`resume TRT-1?`) only when its card is confirmed, keeping the forecast seen', async () => {
    const before = await state();
    expect(before.status).toBe('ON_HOLD');
    const reply = await chatReply('resume TRT-1?');
    const [card] = reply.cards;
    const texts = card.body.map((block: { text: string }) => block.text);
    expect(texts[0]).toBe('What if TRT-1 goes ON_HOLD → IN_PROGRESS now');
    expect(texts.at(-1)).toBe('Nothing has changed yet.');
    expect(await state()).toEqual(before);

    const [confirm] = card.actions;
    expect(confirm).toMatchObject({ title: 'Confirm resume of TRT-1', verb: 'step.resume' });
    const answered = JSON.stringify(await press(confirm));
    expect(answered).toContain('IN PROGRESS');
    expect(await state()).toMatchObject({ status: 'IN_PROGRESS', version: before.version! + 1 });
    type Details = { source: string; forecastSeen: Record<string, unknown> };
    const [event] = await queryRows<{ actor: string; details: Details }>(
      bot.database.db,
      sql`select actor, details from audit_events where type = 'step.resume' order by seq desc limit 1`,
    );
    expect(event!.actor).toBe(PEOPLE.pilot.email);
    expect(event!.details.source).toBe('teams');
    expect(event!.details.forecastSeen).toEqual(confirm.data.forecastSeen);
    expect(event!.details.forecastSeen).toMatchObject({
      basis: 'indicative durations',
      holdMinutes: null,
      iterationEnd: { before: Date.parse('2026-12-06T00:50:00Z') },
    });
  });
});
