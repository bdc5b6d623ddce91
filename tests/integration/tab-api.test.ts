/**
 * The tab's API over HTTP with an app id configured (Teams mode): Entra tokens validated against a
 * local JWKS (forged, expired, wrong audience and wrong issuer refused; v1 and v2 forms accepted),
 * the local-mode header refused, the board of the sample plan, a pilot acting and a viewer refused
 * in the engine's words, and the live stream: a change made by another process arrives, and a
 * reconnect with Last-Event-ID replays what was missed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// JSON answers, read loosely: the assertions say what they expect of them.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type LiveFrame = { id: string; event: string; data: Json };
import {
  ITERATION,
  PEOPLE,
  TENANT,
  CLIENT_ID,
  startTabHarness,
  type TabHarness,
} from '../support/tab-harness.js';

let h: TabHarness;
beforeAll(async () => {
  h = await startTabHarness({ teams: true });
}, 60_000);
afterAll(async () => h?.stop());

async function call(
  path: string,
  init: { token?: string; headers?: Record<string, string>; body?: unknown } = {},
) {
  const response = await fetch(`${h.base}${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** Reads SSE frames from a stream until `until` holds or the time is up; returns the events. */
async function readEvents(
  path: string,
  token: string,
  headers: Record<string, string>,
  until: (events: LiveFrame[]) => boolean,
  act?: () => Promise<unknown>,
) {
  const controller = new AbortController();
  const response = await fetch(`${h.base}${path}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: LiveFrame[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => controller.abort(), 5_000);
  let buffer = '';
  let acted = false;
  try {
    while (!until(events)) {
      if (!acted && act) {
        acted = true;
        await act();
      }
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((line) => !line.startsWith(':') && line.includes(':'))
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
        );
        if (fields.event)
          events.push({ id: fields.id ?? '', event: fields.event, data: JSON.parse(fields.data ?? 'null') });
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('tab authentication', () => {
  it('accepts a valid token and maps the user through the directory', async () => {
    const { status, body } = await call('/tab/api/me', { token: await h.token(PEOPLE.pilot) });
    expect(status).toBe(200);
    expect(body).toMatchObject({ email: PEOPLE.pilot, name: 'Claire Pilot', role: 'pilot', via: 'entra' });
  });

  it('accepts the v1 issuer and the client id as audience', async () => {
    const token = await h.token(PEOPLE.operations, {
      issuer: `https://sts.windows.net/${TENANT}/`,
      audience: CLIENT_ID,
    });
    const { status, body } = await call('/tab/api/me', { token });
    expect(status).toBe(200);
    expect(body).toMatchObject({ role: 'member', teams: ['Operations'] });
  });

  it('treats a tenant user the directory does not know as a viewer', async () => {
    const { body } = await call('/tab/api/me', { token: await h.token('someone.else@bank.example') });
    expect(body).toMatchObject({ role: 'viewer', inDirectory: false });
  });

  it.each([
    ['forged', { forged: true }, 'token_bad_signature'],
    ['expired', { expiresInSeconds: -600 }, 'token_expired'],
    ['wrong-audience', { audience: 'api://other.example/123' }, 'token_wrong_audience'],
    [
      'other-tenant',
      { issuer: 'https://login.microsoftonline.com/ffffffff-0000-4000-8000-000000000000/v2.0' },
      'token_wrong_issuer',
    ],
  ] as const)('refuses a %s token with 401 and a reason', async (_name, options, code) => {
    const { status, body } = await call('/tab/api/board', { token: await h.token(PEOPLE.pilot, options) });
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: 'unauthorized', code });
    expect(body.reason).toEqual(expect.any(String));
  });

  it('refuses a request without identity, garbage, and the local-mode header', async () => {
    expect((await call('/tab/api/board')).body.code).toBe('no_identity');
    expect((await call('/tab/api/board', { token: 'not.a.jwt' })).body.code).toBe('token_malformed');
    const local = await call('/tab/api/me', { headers: { 'x-runsheet-local-user': PEOPLE.pilot } });
    expect(local.status).toBe(401);
    expect(local.body.code).toBe('local_identity_refused');
    const stream = await fetch(`${h.base}/tab/api/events`);
    expect(stream.status).toBe(401);
  });
});

describe('the board API', () => {
  it('shows the sample plan of the active iteration by phase and chapter', async () => {
    const { status, body } = await call('/tab/api/board', { token: await h.token(PEOPLE.viewer) });
    expect(status).toBe(200);
    expect(body.iteration).toMatchObject({ name: ITERATION, status: 'ACTIVE', timeZone: 'Europe/Zurich' });
    expect(body.totals.total).toBe(96);
    expect(body.totals.ready).toBeGreaterThan(0);
    expect(body.phases.map((p: { name: string }) => p.name)).toEqual([
      'Pre-migration',
      'CSD migration',
      'Interim week',
      'P&C migration',
      'Post-migration',
    ]);
    const chapterTotal = body.phases
      .flatMap((p: Json) => p.chapters)
      .reduce((n: number, c: Json) => n + c.counts.total, 0);
    expect(chapterTotal).toBe(96);
  });

  it('lists ready steps, filters them, and pages', async () => {
    const token = await h.token(PEOPLE.viewer);
    const ready = await call('/tab/api/board/steps?status=ready&limit=2', { token });
    expect(ready.body.steps).toHaveLength(Math.min(2, ready.body.total));
    expect(ready.body.steps.every((s: Json) => s.status === 'READY')).toBe(true);
    const text = await call('/tab/api/board/steps?status=all&q=trt-10006', { token });
    expect(text.body.steps.map((s: Json) => s.id)).toEqual(['TRT-10006']);
    const bad = await call('/tab/api/board/steps?status=sleeping', { token });
    expect(bad.status).toBe(400);
  });

  it('lets a pilot act and tells a viewer why not, in the engine’s words', async () => {
    const pilot = await h.token(PEOPLE.pilot);
    const viewer = await h.token(PEOPLE.viewer);
    const [first] = (await call('/tab/api/board/steps?status=ready&limit=1', { token: pilot })).body.steps;
    const detail = await call(`/tab/api/steps/${first.id}`, { token: viewer });
    expect(detail.body.actions.step).toEqual([]);
    const refused = await call(`/tab/api/steps/${first.id}/actions`, {
      token: viewer,
      body: { action: 'start', seen: 'OPEN' },
    });
    expect(refused.body).toMatchObject({ outcome: 'refused', code: 'ROLE' });
    expect(refused.body.message).toContain('Greta Manager is a viewer');

    const offered = (await call(`/tab/api/steps/${first.id}`, { token: pilot })).body.actions.step;
    expect(offered.map((a: Json) => a.action)).toContain('start');
    const applied = await call(`/tab/api/steps/${first.id}/actions`, {
      token: pilot,
      body: { action: 'start', seen: 'OPEN' },
    });
    expect(applied.body).toMatchObject({ outcome: 'applied', from: 'OPEN', to: 'IN_PROGRESS' });
    const after = await call(`/tab/api/steps/${first.id}`, { token: pilot });
    expect(after.body.status).toBe('IN_PROGRESS');
    expect(after.body.trail[0]).toMatchObject({
      type: 'step.start',
      source: 'tab',
      actorName: 'Claire Pilot',
    });
  });
});

describe('the controls API', () => {
  it("offers each role its control actions, executes them, and shows a go/no-go step's phase controls", async () => {
    const dba = await h.token('pierre.dba@bank.example');
    const engineMember = await h.token('luca.engine@bank.example');
    const viewer = await h.token(PEOPLE.viewer);
    // C0011-c: produced by DBA, validated by Engine, linked in phase CSD migration (IGO-15's).
    const row = async (token: string) =>
      (await call('/tab/api/controls?text=C0011-c', { token })).body.rows[0] as Json;
    expect((await row(dba)).actions).toEqual(['pass', 'fail']);
    expect((await row(viewer)).actions).toEqual([]);
    expect(
      (await call('/tab/api/controls/C0011-c/actions', { token: dba, body: { action: 'approve' } })).status,
    ).toBe(400);
    const passed = await call('/tab/api/controls/c0011c/actions', {
      token: dba,
      body: { action: 'pass', iteration: 'Run1', seen: 'OPEN', note: '1,204 rows' },
    });
    expect(passed.body).toMatchObject({
      outcome: 'applied',
      message: 'C0011-c passed by Pierre DBA: OPEN → PASSED.',
    });
    expect((await row(engineMember)).actions).toEqual(['fail', 'confirm']);
    const confirmed = await call('/tab/api/controls/C0011-c/actions', {
      token: engineMember,
      body: { action: 'confirm', iteration: 'Run1', seen: 'PASSED' },
    });
    expect(confirmed.body).toMatchObject({
      outcome: 'applied',
      message: 'C0011-c PASSED confirmed by Luca Engine.',
    });
    expect((await row(engineMember)).results.Run1).toMatchObject({
      result: 'PASSED',
      byName: 'Pierre DBA',
      confirmedByName: 'Luca Engine',
    });

    const detail = (await call('/tab/api/steps/IGO-15', { token: viewer })).body;
    expect(detail.phaseControls.phase).toBe('CSD migration');
    expect(detail.phaseControls.heading).toMatch(/^Controls of phase CSD migration: 1 passed, \d+ open$/);
    expect(detail.phaseControls.controls.at(-1)).toMatchObject({
      id: 'C0011-c',
      result: 'PASSED',
      confirmed: true,
    });
    expect((await call('/tab/api/steps/TRT-10001', { token: viewer })).body.phaseControls).toBeNull();
  });
});

describe('live events', () => {
  it('delivers a change made by another process, with the audit seq as event id', async () => {
    const token = await h.token(PEOPLE.viewer);
    const [step] = (await call('/tab/api/board/steps?status=ready&limit=1', { token })).body.steps;
    const events = await readEvents(
      '/tab/api/events',
      token,
      {},
      (seen) => seen.some((e) => e.data.subject === step.id),
      () =>
        h.otherProcess.execute({
          action: 'start',
          subject: step.id,
          actor: { email: PEOPLE.pilot },
          source: 'cli',
        }),
    );
    const event = events.find((e) => e.data.subject === step.id)!;
    expect(event).toMatchObject({ event: 'change', data: { type: 'step.start', iteration: ITERATION } });
    expect(event.id).toBe(String(event.data.seq));
  });

  it('replays what a reconnecting client missed after its Last-Event-ID', async () => {
    const token = await h.token(PEOPLE.viewer);
    const { seq } = (await call('/tab/api/me', { token })).body;
    const ready = (await call('/tab/api/board/steps?status=open&limit=2', { token })).body.steps;
    expect(ready).toHaveLength(2);
    // Changes committed while the client was away.
    for (const step of ready) {
      await h.otherProcess.execute({
        action: 'hold',
        subject: step.id,
        actor: { email: PEOPLE.pilot },
        source: 'cli',
      });
    }
    const events = await readEvents('/tab/api/events', token, { 'last-event-id': String(seq) }, (seen) =>
      ready.every((step: Json) => seen.some((e) => e.data.subject === step.id)),
    );
    expect(events.map((e) => e.data.subject)).toEqual(ready.map((s: Json) => s.id));
    expect(events.map((e) => Number(e.id))).toEqual(events.map((e) => e.data.seq).sort((a, b) => a - b));
    expect(Number(events[0]!.id)).toBeGreaterThan(seq);
  });
});
