/**
 * The bot over HTTP, as Teams drives it: activities shaped like tests/fixtures/teams (copied from
 * the shared fixtures) posted to /api/messages, and nock at the Bot Connector edge asserting the
 * exact replies, posts and in-place updates the bot makes, in order. Local mode (no app id).
 */
import type { AddressInfo } from 'node:net';
import { sql } from '../../src/db/orm.js';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { queryRows } from '../../src/db/client.js';
import { Engine } from '../../src/engine/engine.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { startTeamsService } from '../../src/teams/teams-service.js';
import { PEOPLE, smallDirectory } from '../support/small-plan.js';
import { useBotOverHttp } from '../support/bot-over-http.js';
import { createTestDatabase } from '../support/test-database.js';
import { postToBot, teamsFixture, TEAMS_SERVICE, type Activity } from '../support/teams-activities.js';

const fixture = teamsFixture;
const SERVICE = TEAMS_SERVICE;
const ENGINE_CHANNEL = '19:engine-general-thread@thread.tacv2';
const PILOTS_CHANNEL = '19:pilots-thread@thread.tacv2';
const enc = encodeURIComponent;

const now = new Date('2026-12-05T18:30:00Z');
const bot = useBotOverHttp({ prefix: 'runsheet-bot-', clock: () => now });

/** A channel message from `person` in `channel`, @mentioning the bot, as Teams sends it. */
function channelMessage(person: keyof typeof PEOPLE, channel: string, command: string): Activity {
  const activity = fixture('channel-command.json');
  activity.id = `msg-${Math.random().toString(16).slice(2)}`;
  activity.from = { id: `29:${person}`, aadObjectId: PEOPLE[person].aadObjectId, name: PEOPLE[person].name };
  activity.conversation = { ...activity.conversation, id: `${channel};messageid=${activity.id}` };
  activity.channelData = { ...activity.channelData, channel: { id: channel }, teamsChannelId: channel };
  activity.text = `<at>Runsheet</at> ${command}\n`;
  return activity;
}

const post = (activity: object) => postToBot(bot.base, activity);

/** Expects the bot's reply in the thread of `activity`, and returns its text. */
function expectReply(activity: { id: string; conversation: { id: string } }): Promise<string> {
  return new Promise((resolve) => {
    nock(SERVICE)
      .post(
        `/emea/v3/conversations/${enc(activity.conversation.id)}/activities/${enc(activity.id)}`,
        (body: { text?: string }) => {
          resolve(body.text ?? '');
          return true;
        },
      )
      .reply(200, { id: `reply-${activity.id}` });
  });
}

const cardText = (card: unknown) => JSON.stringify(card);
/** nock hands a fetch body to reply callbacks as text. */
const json = (body: unknown): any => (typeof body === 'string' ? JSON.parse(body) : body); // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the Teams bot over HTTP', () => {
  it('is installed in a team, and pilots link the team channel and their own', async () => {
    const added = fixture('bot-added-to-team.json');
    const welcome = expectReply(added);
    expect((await post(added)).status).toBe(200);
    expect(await welcome).toContain('link <team>');

    const link = channelMessage('pilot', ENGINE_CHANNEL, 'link engine');
    const linked = expectReply(link);
    await post(link);
    expect(await linked).toBe('This conversation is now the channel of Engine.');

    const refused = channelMessage('engine', PILOTS_CHANNEL, 'link pilots');
    const refusal = expectReply(refused);
    await post(refused);
    expect(await refusal).toBe('Only a pilot can link a channel; Luca Engine is not a pilot.');

    const pilots = channelMessage('pilot', PILOTS_CHANNEL, 'link pilots');
    const pilotsLinked = expectReply(pilots);
    await post(pilots);
    expect(await pilotsLinked).toBe("This conversation is now the pilots' channel.");
    const rows = await queryRows<{ conversation_id: string; purpose: string }>(
      bot.database.db,
      sql`select conversation_id, purpose from conversation_refs order by id`,
    );
    expect(rows).toEqual([
      { conversation_id: ENGINE_CHANNEL, purpose: 'team' },
      { conversation_id: PILOTS_CHANNEL, purpose: 'pilots' },
    ]);
  });

  it('posts the card of a ready step alone in its activity, and stores its id', async () => {
    const activate = channelMessage('pilot', PILOTS_CHANNEL, 'iteration Run1');
    const activated = expectReply(activate);
    await post(activate);
    expect(await activated).toBe('Run1 activated by Claire Pilot: 3 steps in scope, 1 ready.');

    let posted: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    // Bodies are captured by assignment in the matcher (nock may run a matcher more than once);
    // interceptors are single-use, so scope.done() proves each call happened exactly once.
    const scope = nock(SERVICE)
      .post(`/emea/v3/conversations/${enc(ENGINE_CHANNEL)}/activities`, (body) => {
        posted = json(body);
        return true;
      })
      .reply(201, { id: '1764000000999' });
    expect(await bot.teams.worker.runOnce()).toBe(1);
    scope.done();
    expect(posted.type).toBe('message');
    expect(posted.text).toBeUndefined();
    expect(posted.attachments).toHaveLength(1);
    expect(posted.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(posted.attachments[0].content).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(cardText(posted.attachments[0].content)).toContain('TRT-1');
    // Teams refreshes the card into the own view of the pilots and team members the bot has heard
    // from (by their Teams user ids): Claire (pilot) and Luca (Engine); Anna has not spoken yet.
    expect(posted.attachments[0].content.refresh).toMatchObject({
      action: { verb: 'card.refresh' },
      userIds: ['29:pilot', '29:engine'],
    });
    const [card] = await queryRows<{ activity_id: string }>(
      bot.database.db,
      sql`select activity_id from posted_cards`,
    );
    expect(card!.activity_id).toBe('1764000000999');
  });

  it('a Start press is executed and answered with the refreshed card; the card and the pilots are updated after', async () => {
    const invoke = fixture('card-action-execute.json');
    invoke.conversation.id = `${ENGINE_CHANNEL};messageid=1764000000999`;
    invoke.from = { ...invoke.from, aadObjectId: PEOPLE.engine.aadObjectId, name: PEOPLE.engine.name };
    invoke.value.action.data = { step: 'TRT-1', iteration: 'Run1', seen: 'OPEN' };
    const response = await post(invoke);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.card.adaptive',
      value: { type: 'AdaptiveCard' },
    });
    expect(cardText(response.body.value)).toContain('TRT-1 started by Luca Engine');

    let updated: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    let notice = '';
    const scope = nock(SERVICE)
      .put(`/emea/v3/conversations/${enc(ENGINE_CHANNEL)}/activities/1764000000999`, (body) => {
        updated = json(body);
        return true;
      })
      .reply(200, { id: '1764000000999' })
      .post(`/emea/v3/conversations/${enc(PILOTS_CHANNEL)}/activities`, (body) => {
        notice = json(body).text;
        return true;
      })
      .reply(201, { id: 'notice-1' });
    // The card, the pilots' notice, and the status-change mail queued for its digest (sent later).
    expect(await bot.teams.worker.runOnce()).toBe(3);
    scope.done();
    expect(notice).toBe('TRT-1 started by Luca Engine');
    // The shared card posted in the channel now shows the new status and no Start button.
    const shared = cardText(updated.attachments[0].content);
    expect(shared).toContain('IN PROGRESS');
    expect(shared).not.toContain('"verb":"step.start"');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a stale press returns the current card with who acted and when; a viewer is refused with the reason', async () => {
    const stale = fixture('card-action-execute.json');
    stale.from = { ...stale.from, aadObjectId: PEOPLE.engine2.aadObjectId, name: PEOPLE.engine2.name };
    stale.value.action.data = { step: 'TRT-1', iteration: 'Run1', seen: 'OPEN' };
    stale.value.action.verb = 'step.hold';
    const staleAnswer = await post(stale);
    expect(staleAnswer.body.statusCode).toBe(200);
    const viewer = fixture('card-action-execute.json');
    viewer.from = { ...viewer.from, aadObjectId: PEOPLE.viewer.aadObjectId, name: PEOPLE.viewer.name };
    viewer.value.action.data = { step: 'TRT-1', iteration: 'Run1', seen: 'IN_PROGRESS' };
    viewer.value.action.verb = 'step.done';
    const refused = await post(viewer);
    expect(refused.status).toBe(200);
    expect(cardText(refused.body.value)).toContain('Greta Manager is a viewer');
  });

  it('answers chat commands: hold as a pilot, status, and an unknown id with the nearest ones', async () => {
    const hold = channelMessage('pilot', PILOTS_CHANNEL, 'hold trt1 waiting for DBA sign-off');
    const held = expectReply(hold);
    await post(hold);
    expect(await held).toBe('✅ TRT-1 put on hold by Claire Pilot: IN_PROGRESS → ON_HOLD.');

    const unknown = channelMessage('engine', ENGINE_CHANNEL, 'start TRT-7');
    const answer = expectReply(unknown);
    await post(unknown);
    expect(await answer).toBe('⛔ There is no step TRT-7 in the plan. Did you mean TRT-4, TRT-3, TRT-2?');
  });
});

describe('delivery problems', () => {
  it("a channel that blocks the bot does not cost the team's other channel its update; the pilots are told", async () => {
    const second = '19:engine-night-shift@thread.tacv2';
    const install = fixture('bot-added-to-team.json');
    install.conversation = { ...install.conversation, id: second };
    install.id = 'f:install-2';
    const welcome = expectReply(install);
    await post(install);
    await welcome;
    const link = channelMessage('pilot', second, 'link Engine');
    const linked = expectReply(link);
    await post(link);
    expect(await linked).toBe('This conversation is now the channel of Engine.');

    const resume = channelMessage('pilot', PILOTS_CHANNEL, 'resume TRT-1');
    const resumed = expectReply(resume);
    await post(resume);
    expect(await resumed).toBe('✅ TRT-1 resumed by Claire Pilot: ON_HOLD → IN_PROGRESS.');

    let warning = '';
    let notice = '';
    const scope = nock(SERVICE)
      .put(`/emea/v3/conversations/${enc(ENGINE_CHANNEL)}/activities/1764000000999`)
      .reply(200, { id: '1764000000999' })
      .post(`/emea/v3/conversations/${enc(second)}/activities`)
      .reply(403, {
        error: {
          code: 'BotNotInConversationRoster',
          message: 'The bot is not part of the conversation roster.',
        },
      })
      .post(`/emea/v3/conversations/${enc(PILOTS_CHANNEL)}/activities`, (body) => {
        const text = json(body).text as string;
        if (text.startsWith('⚠️')) warning = text;
        else notice = text;
        return true;
      })
      .times(2)
      .reply(201, { id: 'pilots-1' });
    await bot.teams.worker.runOnce();
    scope.done();
    // The hold of the previous test was still waiting: notices due together go out as one message.
    expect(notice).toBe(
      'TRT-1 on hold by Claire Pilot: waiting for DBA sign-off\n\nTRT-1 resumed by Claire Pilot',
    );
    expect(warning).toContain('Runsheet cannot post in the channel of Engine any more');
    const [job] = await queryRows<{ state: string }>(
      bot.database.db,
      sql`select state from jobs where kind = 'step-card.sync' order by id desc limit 1`,
    );
    expect(job!.state).toBe('done');
    const [failed] = await queryRows<{ details: { kind: string } }>(
      bot.database.db,
      sql`select details from audit_events where type = 'card.post-failed' order by seq desc limit 1`,
    );
    expect(failed!.details.kind).toBe('blocked');
  });
});

describe('with a bot identity configured', () => {
  it('refuses a request without a valid Bot Framework token with 401', async () => {
    const database2 = await createTestDatabase();
    const logger = createLogger('silent');
    const config = loadConfig({
      MicrosoftAppId: '11111111-2222-4333-8444-555555555555',
      MicrosoftAppPassword: 'secret',
      MicrosoftAppTenantId: 'tenant',
    });
    const directory = smallDirectory();
    const server2 = createHttpServer({ database: database2, logger, about: {} });
    const teams2 = startTeamsService({
      config,
      server: server2,
      engine: new Engine({ database: database2, directory }),
      directory,
      logger,
      startWorker: false,
    });
    await listen(server2, 0, '127.0.0.1');
    const url = `http://127.0.0.1:${(server2.address() as AddressInfo).port}/api/messages`;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fixture('personal-command.json')),
      });
      expect(response.status).toBe(401);
      expect(teams2.devConnector).toBeNull();
    } finally {
      server2.close();
      await database2.destroy();
    }
  });
});
