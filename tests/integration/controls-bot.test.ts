/**
 * Controls from the step card, over HTTP as Teams drives the bot (small plan with the go/no-go
 * step IGO-5): the producer's Passed with a note and the validator's Confirm, each answered with the
 * refreshed card and followed by in-place updates of every posted card that shows the control
 * (nock at the Bot Connector edge); Done on IGO-5 with a control open answered with the warning,
 * and a pilot's Done anyway applied and audited with the open controls.
 */
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { sql } from '../../src/db/orm.js';
import { PEOPLE, smallPlanWithGoNoGo } from '../support/small-plan.js';
import { useBotOverHttp } from '../support/bot-over-http.js';
import { postToBot, teamsFixture, TEAMS_SERVICE, type Activity } from '../support/teams-activities.js';

const SERVICE = TEAMS_SERVICE;
const ENGINE_CHANNEL = '19:engine-general-thread@thread.tacv2';
const enc = encodeURIComponent;
const TRT1_CARD = 'card-trt-1';
const IGO5_CARD = 'card-igo-5';

const now = new Date('2026-12-05T18:30:00Z');
const bot = useBotOverHttp({ prefix: 'runsheet-controls-', clock: () => now, plan: smallPlanWithGoNoGo });
const post = (activity: object) => postToBot(bot.base, activity);
/** nock hands a fetch body to reply callbacks as text. */
const json = (body: unknown): any => (typeof body === 'string' ? JSON.parse(body) : body); // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every Action.Execute of a card, ShowCard forms included, as `verb control|step` and its data. */
function executes(card: unknown): { id: string; verb: string; data: Record<string, unknown> }[] {
  const found: { id: string; verb: string; data: Record<string, unknown> }[] = [];
  JSON.stringify(
    card,
    (_key, value: { type?: string; id: string; verb: string; data: Record<string, unknown> }) => {
      if (value?.type === 'Action.Execute') found.push({ id: value.id, verb: value.verb, data: value.data });
      return value;
    },
  );
  return found;
}

/** A press of a card button by `person`, as Teams sends it (shared fixture card-action-execute.json). */
function press(
  person: keyof typeof PEOPLE,
  verb: string,
  data: Record<string, unknown>,
  activityId = IGO5_CARD,
): Activity {
  const invoke = teamsFixture('card-action-execute.json');
  invoke.conversation.id = `${ENGINE_CHANNEL};messageid=${activityId}`;
  invoke.from = {
    ...invoke.from,
    id: `29:${person}`,
    aadObjectId: PEOPLE[person].aadObjectId,
    name: PEOPLE[person].name,
  };
  invoke.value.action = { type: 'Action.Execute', verb, data };
  return invoke;
}

/** Sends a chat command from `person` in the Engine channel and returns the bot's reply. */
async function say(person: keyof typeof PEOPLE, command: string): Promise<string> {
  const message = teamsFixture('channel-command.json');
  message.id = `msg-${Math.random().toString(16).slice(2)}`;
  message.from = { id: `29:${person}`, aadObjectId: PEOPLE[person].aadObjectId, name: PEOPLE[person].name };
  message.conversation = { ...message.conversation, id: `${ENGINE_CHANNEL};messageid=${message.id}` };
  message.text = `<at>Runsheet</at> ${command}`;
  let reply = '';
  const scope = nock(SERVICE)
    .post(`/emea/v3/conversations/${enc(message.conversation.id)}/activities/${enc(message.id)}`, (body) => {
      reply = json(body).text ?? '';
      return true;
    })
    .reply(200, { id: `reply-${message.id}` });
  expect((await post(message)).status).toBe(200);
  scope.done();
  return reply;
}

/** Runs the worker and returns the cards it updated in place, by activity id. */
async function cardUpdates(expected: string[]): Promise<Map<string, string>> {
  const updated = new Map<string, string>();
  let scope = nock(SERVICE);
  for (const id of expected) {
    scope = scope
      .put(`/emea/v3/conversations/${enc(ENGINE_CHANNEL)}/activities/${id}`, (body) => {
        updated.set(id, JSON.stringify(json(body).attachments[0].content));
        return true;
      })
      .reply(200, { id });
  }
  // Drained: other jobs of the same commands (a mail digest) may share or follow the batch.
  while ((await bot.teams.worker.runOnce()) > 0);
  scope.done();
  expect(nock.pendingMocks()).toEqual([]);
  return updated;
}

beforeAll(async () => {
  // The bot in the Engine team, its channel linked by a pilot.
  const added = teamsFixture('bot-added-to-team.json');
  const link = teamsFixture('channel-command.json');
  link.id = 'msg-link';
  link.from = { id: '29:pilot', aadObjectId: PEOPLE.pilot.aadObjectId, name: PEOPLE.pilot.name };
  link.conversation = { ...link.conversation, id: `${ENGINE_CHANNEL};messageid=msg-link` };
  link.channelData = { ...link.channelData, channel: { id: ENGINE_CHANNEL }, teamsChannelId: ENGINE_CHANNEL };
  link.text = '<at>Runsheet</at> link engine';
  nock(SERVICE)
    .post(`/emea/v3/conversations/${enc(added.conversation.id)}/activities/${enc(added.id)}`)
    .reply(200, { id: 'welcome' })
    .post(`/emea/v3/conversations/${enc(link.conversation.id)}/activities/msg-link`)
    .reply(200, { id: 'linked' });
  await post(added);
  await post(link);
  // Run1 active (TRT-1's card goes up), and IGO-5 started early by a pilot (its card goes up).
  for (const [action, subject] of [
    ['activate', 'Run1'],
    ['start', 'IGO-5'],
  ] as const) {
    const result = await bot.engine.execute({
      action,
      subject,
      force: true,
      actor: { aadObjectId: PEOPLE.pilot.aadObjectId },
      source: 'teams',
    });
    expect(result.outcome, result.message).toBe('applied');
  }
  // The two posts may run in either order (the worker runs a batch at once): each card gets the id
  // of its own step.
  const posted: string[] = [];
  const cardId = (body: unknown) => (JSON.stringify(json(body)).includes('IGO-5') ? IGO5_CARD : TRT1_CARD);
  for (let i = 0; i < 2; i++) {
    let id = '';
    nock(SERVICE)
      .post(`/emea/v3/conversations/${enc(ENGINE_CHANNEL)}/activities`, (body) => {
        id = cardId(body);
        return true;
      })
      .reply(201, () => {
        posted.push(id);
        return { id };
      });
  }
  while ((await bot.teams.worker.runOnce()) > 0);
  expect(posted.sort()).toEqual([TRT1_CARD, IGO5_CARD].sort());
  nock.cleanAll();
});

describe('controls from the step card', () => {
  it("the producer's Passed with a note is answered with the card; every card showing the control is updated", async () => {
    const response = await post(
      press('engine', 'control.pass', {
        step: 'IGO-5',
        iteration: 'Run1',
        seen: 'OPEN',
        control: 'C0001-a',
        'note-C0001-a': ' 1,204 rows ',
      }),
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const card = JSON.stringify(response.body.value);
    expect(card).toContain('C0001-a passed by Luca Engine: OPEN → PASSED.');
    expect(card).toContain('Controls of phase CSD migration: 1 passed, 1 open');
    expect(card).toContain(' · not confirmed');
    // Luca produces C0001-a: he may fail it again, not confirm it. C0002-a is the DBA team's.
    expect(
      executes(response.body.value)
        .filter((a) => a.verb.startsWith('control.'))
        .map((a) => a.id),
    ).toEqual(['control-fail-C0001-a']);
    const [row] = await queryRows<{ result: string; note: string }>(
      bot.database.db,
      sql`select cr.result, cr.note from control_results cr join controls c on c.id = cr.control_id
          where c.key = 'C0001-a'`,
    );
    expect(row).toEqual({ result: 'PASSED', note: '1,204 rows' });

    const updated = await cardUpdates([TRT1_CARD, IGO5_CARD]);
    expect(updated.get(TRT1_CARD)).toContain('Controls · 1/1 passed');
    expect(updated.get(IGO5_CARD)).toContain('Controls of phase CSD migration: 1 passed, 1 open');
  });

  it("the validator's Confirm is answered with the card and updates the cards in place", async () => {
    const pressed = await post(
      press('dba', 'control.confirm', {
        step: 'IGO-5',
        iteration: 'Run1',
        seen: 'PASSED',
        control: 'C0001-a',
      }),
    );
    const card = JSON.stringify(pressed.body.value);
    expect(card).toContain('C0001-a PASSED confirmed by Pierre DBA.');
    expect(card).toContain(' · confirmed');
    // Pierre's own view: DBA produces and validates C0002-a, still OPEN: Result… is his.
    expect(
      executes(pressed.body.value)
        .filter((a) => a.verb.startsWith('control.'))
        .map((a) => a.id),
    ).toEqual(['control-pass-C0002-a', 'control-fail-C0002-a', 'control-fail-C0001-a']);
    const updated = await cardUpdates([TRT1_CARD, IGO5_CARD]);
    expect(updated.get(IGO5_CARD)).toContain(' · confirmed');
    // A second Confirm changes nothing and says who confirmed.
    const again = await post(
      press('pilot', 'control.confirm', {
        step: 'IGO-5',
        iteration: 'Run1',
        seen: 'PASSED',
        control: 'C0001-a',
      }),
    );
    expect(JSON.stringify(again.body.value)).toContain(
      'C0001-a is PASSED and confirmed already: confirmed by Pierre DBA',
    );
  });

  it('chat: confirm CONTROL [note], and a pilot told how to mark IGO-5 done anyway', async () => {
    expect(await say('dba', 'fail C0002-a balances off by 3')).toBe(
      '✅ C0002-a marked failed by Pierre DBA: OPEN → FAILED.',
    );
    // DBA both produces and validates C0002-a: its member confirms his own result.
    expect(await say('dba', 'confirm c0002a: recounted, still off')).toBe(
      '✅ C0002-a FAILED confirmed by Pierre DBA.',
    );
    expect(await say('engine', 'confirm C0002-a')).toBe(
      '⛔ Only the validator team or a pilot may confirm control C0002-a. Luca Engine is in Engine.',
    );
    expect(await say('pilot', 'done IGO-5')).toBe(
      '⛔ Step IGO-5 is a go/no-go step and controls of phase CSD migration are not passed: C0002-a FAILED. ' +
        'Repeat with the acknowledgement to mark it done anyway; the open controls are recorded. ' +
        'To do so, send `done IGO-5 anyway`.',
    );
    const [row] = await queryRows<{ confirm_note: string }>(
      bot.database.db,
      sql`select cr.confirm_note from control_results cr join controls c on c.id = cr.control_id where c.key = 'C0002-a'`,
    );
    expect(row!.confirm_note).toBe('recounted, still off');
  });

  it('Done on IGO-5 with a control open is answered with the warning; a pilot’s Done anyway is applied', async () => {
    const done = { step: 'IGO-5', iteration: 'Run1', seen: 'IN_PROGRESS' };
    const member = await post(press('engine', 'step.done', done));
    const memberCard = JSON.stringify(member.body.value);
    expect(memberCard).toContain(
      'Step IGO-5 is a go/no-go step and controls of phase CSD migration are not passed: C0002-a FAILED. Only a pilot may mark it done anyway.',
    );
    expect(memberCard).toContain(
      "Not passed: C0002-a FAILED. Marking this go/no-go step done needs a pilot's acknowledgement.",
    );
    expect(executes(member.body.value).map((a) => a.id)).not.toContain('done-anyway-confirm');

    const pilot = await post(press('pilot', 'step.done', done));
    expect(JSON.stringify(pilot.body.value)).toContain(
      'Repeat with the acknowledgement to mark it done anyway',
    );
    const anyway = executes(pilot.body.value).find((a) => a.id === 'done-anyway-confirm')!;
    expect(anyway).toEqual({
      id: 'done-anyway-confirm',
      verb: 'step.done',
      data: { ...done, acknowledgeControls: true },
    });
    const [before] = await queryRows<{ n: number }>(
      bot.database.db,
      sql`select count(*)::int as n from audit_events where type = 'step.done'`,
    );
    expect(before!.n).toBe(0);

    const applied = await post(press('pilot', anyway.verb, anyway.data));
    const appliedCard = JSON.stringify(applied.body.value);
    expect(appliedCard).toContain(
      'IGO-5 marked done by Claire Pilot: IN_PROGRESS → DONE. Done with 1 control not passed, acknowledged: C0002-a FAILED.',
    );
    expect(appliedCard).not.toContain('Marking this go/no-go step done needs');
    const [event] = await queryRows<{ actor: string; details: Record<string, unknown> }>(
      bot.database.db,
      sql`select actor, details from audit_events where type = 'step.done'`,
    );
    expect(event).toMatchObject({
      actor: PEOPLE.pilot.email,
      details: {
        acknowledgeControls: true,
        openControls: [{ id: 'C0002-a', result: 'FAILED' }],
        source: 'teams',
      },
    });
  });
});
