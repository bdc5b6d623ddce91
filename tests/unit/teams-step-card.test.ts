/**
 * The step card as Teams receives it: parsed by Microsoft's Adaptive Cards library as version 1.5
 * with no error or warning, the buttons of every (status × role) pair, the exact Action.Execute
 * data the bot reads back, the refresh model, the TEST marker, notices, and hostile text shown as
 * literal text.
 * (Microsoft's parser: tests/support/adaptive-card-problems.ts.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { WorkStatus } from '../../src/domain/statuses.js';
import {
  buildStepCardView,
  cardNoticeFor,
  expandStepCardTemplate,
  formatMinutes,
  MAX_REFRESH_USER_IDS,
  MAX_TASKS_SHOWN,
  renderStepCard,
  type AdaptiveCard,
  type StepCardView,
  type StepCardViewer,
} from '../../src/teams/cards/render-step-card.js';
import type { StepCardData, StepCardTask } from '../../src/teams/cards/step-card-data.js';
import { adaptiveCardProblems } from '../support/adaptive-card-problems.js';

interface FoundAction {
  type: string;
  id?: string;
  title?: string;
  verb?: string;
  url?: string;
  data?: unknown;
}

/** The actions a viewer sees on the card, in order (not those inside a ShowCard's card). */
function visibleActions(node: unknown, found: FoundAction[] = []): FoundAction[] {
  if (Array.isArray(node)) {
    for (const item of node) visibleActions(item, found);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record.type === 'string' && record.type.startsWith('Action.')) {
      found.push(record as unknown as FoundAction);
      return found; // a ShowCard's inner card opens only when pressed
    }
    for (const [key, value] of Object.entries(record)) if (key !== 'refresh') visibleActions(value, found);
  }
  return found;
}

/** Every Action.Execute anywhere on the card, ShowCard confirmations included. */
function executeActions(node: unknown, found: FoundAction[] = []): FoundAction[] {
  if (Array.isArray(node)) {
    for (const item of node) executeActions(item, found);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.type === 'Action.Execute') found.push(record as unknown as FoundAction);
    for (const [key, value] of Object.entries(record)) if (key !== 'refresh') executeActions(value, found);
  }
  return found;
}

/** Every TextRun and TextBlock text on the card. */
function texts(
  node: unknown,
  found: { type: string; text: string }[] = [],
): { type: string; text: string }[] {
  if (Array.isArray(node)) {
    for (const item of node) texts(item, found);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if ((record.type === 'TextRun' || record.type === 'TextBlock') && typeof record.text === 'string') {
      found.push({ type: record.type, text: record.text });
    }
    for (const value of Object.values(record)) texts(value, found);
  }
  return found;
}

const task = (id: string, team: string, status: WorkStatus, description = `Do ${id}.`): StepCardTask => ({
  id,
  team,
  status,
  description,
});

/** A step of Engine in Run1 (comms live), IN_PROGRESS by default. */
function stepData(overrides: Partial<StepCardData> = {}): StepCardData {
  const at = new Date('2026-12-05T18:44:00Z');
  return {
    iteration: { id: 1, name: 'Run1', status: 'ACTIVE', timeZone: 'Europe/Zurich', comms: 'live' },
    stepDbId: 12,
    id: 'TRT-12345a',
    title: 'Extract client static data',
    phase: 'CSD migration',
    chapter: 'Extraction',
    team: 'Engine',
    environment: 'PROD',
    durationMinutes: 30,
    instructionsUrl: 'https://wiki.bank.example/runbooks/TRT-12345a',
    plannedWindow: { start: '2026-12-05 19:00 CET', end: '2026-12-06 03:00 CET' },
    predecessors: [{ id: 'TRT-1', status: 'DONE' }],
    inScope: true,
    ready: false,
    status: 'IN_PROGRESS',
    heldFrom: null,
    reason: null,
    lastChange: { action: 'start', byName: 'Luca Engine', at, local: '2026-12-05 19:44 CET' },
    started: { byName: 'Luca Engine', at, local: '2026-12-05 19:44 CET' },
    elapsedMinutes: 12,
    actualMinutes: null,
    tasks: [
      task('TRT-12345a-1', 'Engine', 'OPEN'),
      task('TRT-12345a-2', 'DBA', 'IN_PROGRESS'),
      task('TRT-12345a-3', 'Engine', 'DONE'),
    ],
    controls: [
      {
        id: 'C0042-b',
        name: 'Row counts match',
        producer: 'Engine',
        validator: 'DBA',
        result: 'PASSED',
        confirmed: false,
      },
    ],
    version: 3,
    asOf: { at: new Date('2026-12-05T18:56:00Z'), localTime: '19:56' },
    ...overrides,
  };
}

/** The data of a step in `status`, with readiness and times consistent with it. */
function inStatus(status: WorkStatus | 'READY'): StepCardData {
  switch (status) {
    case 'READY':
      return stepData({ status: 'OPEN', ready: true, lastChange: null, started: null, elapsedMinutes: null });
    case 'OPEN':
      return stepData({
        status: 'OPEN',
        ready: false,
        predecessors: [{ id: 'TRT-1', status: 'IN_PROGRESS' }],
        lastChange: null,
        started: null,
        elapsedMinutes: null,
      });
    case 'ON_HOLD':
      return stepData({
        status,
        heldFrom: 'IN_PROGRESS',
        reason: 'Waiting for the DBA',
        elapsedMinutes: null,
      });
    case 'FAILED':
      return stepData({ status, reason: 'Extract timed out', elapsedMinutes: null });
    case 'DONE':
      return stepData({ status, elapsedMinutes: null, actualMinutes: 42 });
    default:
      return stepData({ status });
  }
}

const VIEWERS: Record<string, StepCardViewer | null> = {
  shared: null,
  member: { isPilot: false, teams: ['Engine'] },
  otherTeam: { isPilot: false, teams: ['DBA'] },
  viewer: { isPilot: false, teams: [] },
  pilot: { isPilot: true, teams: [] },
};

/** The visible buttons on a card, as action ids, task buttons and the two always there left out. */
function stepButtons(card: AdaptiveCard): string[] {
  return visibleActions(card)
    .map((action) => action.id ?? '')
    .filter(
      (id) =>
        !id.startsWith('task-') && !id.startsWith('control-') && id !== 'refresh' && id !== 'instructions',
    );
}

describe('the step card as Microsoft’s parser reads it', () => {
  it('parses as Adaptive Card 1.5 without errors or warnings for every status and role', () => {
    const statuses: (WorkStatus | 'READY')[] = [
      'READY',
      'OPEN',
      'IN_PROGRESS',
      'FAILED',
      'ON_HOLD',
      'DONE',
      'CANCELLED',
    ];
    for (const status of statuses) {
      for (const [role, viewer] of Object.entries(VIEWERS)) {
        const card = renderStepCard(inStatus(status), viewer, {
          refreshUserIds: ['29:1engineer'],
          notice: { kind: 'applied', text: 'Done.' },
        });
        expect({ status, role, problems: adaptiveCardProblems(card) }).toEqual({
          status,
          role,
          problems: [],
        });
        expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5', msteams: { width: 'Full' } });
      }
    }
  });

  it('is caught when broken: the parser reports what Teams would reject', () => {
    // Guards the guard: a check that never fails would prove nothing.
    const broken = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'Input.Text', id: 'x', isRequired: true }, { type: 'Foo' }],
    };
    expect(adaptiveCardProblems(broken)).toEqual([
      'parse: Unknown element type "Foo". Fallback will be used if present.',
      'validate: Required inputs should have a label',
      'validate: Required inputs should have an error message',
    ]);
  });

  it('leaves no template expression unexpanded', () => {
    for (const status of ['READY', 'OPEN', 'IN_PROGRESS', 'FAILED', 'ON_HOLD', 'DONE'] as const) {
      for (const viewer of Object.values(VIEWERS)) {
        expect(JSON.stringify(renderStepCard(inStatus(status), viewer))).not.toMatch(
          /\$\{|"\$when"|"\$data"/,
        );
      }
    }
  });
});

describe('buttons by status and role', () => {
  // Step buttons besides Refresh (always there) and Instructions (when the step has a link).
  const expected: Record<string, Record<keyof typeof VIEWERS, string[]>> = {
    READY: {
      shared: ['start'],
      member: ['start'],
      otherTeam: [],
      viewer: [],
      pilot: ['start', 'hold', 'activate', 'cancel'],
    },
    OPEN: {
      shared: [],
      member: [],
      otherTeam: [],
      viewer: [],
      pilot: ['force-start', 'hold', 'activate', 'cancel'],
    },
    IN_PROGRESS: {
      shared: ['done', 'fail'],
      member: ['done', 'fail'],
      otherTeam: [],
      viewer: [],
      pilot: ['done', 'fail', 'hold', 'activate', 'cancel'],
    },
    FAILED: {
      shared: ['retry'],
      member: ['retry'],
      otherTeam: [],
      viewer: [],
      pilot: ['retry', 'hold', 'activate', 'cancel'],
    },
    ON_HOLD: { shared: [], member: [], otherTeam: [], viewer: [], pilot: ['resume', 'activate', 'cancel'] },
    DONE: { shared: [], member: [], otherTeam: [], viewer: [], pilot: ['reopen'] },
    CANCELLED: { shared: [], member: [], otherTeam: [], viewer: [], pilot: ['reopen'] },
  };

  for (const [status, byRole] of Object.entries(expected)) {
    it(`${status}: ${Object.entries(byRole)
      .map(([role, ids]) => `${role} [${ids.join(' ')}]`)
      .join(', ')}`, () => {
      for (const [role, ids] of Object.entries(byRole)) {
        const card = renderStepCard(inStatus(status as WorkStatus | 'READY'), VIEWERS[role]!);
        expect({ role, buttons: stepButtons(card) }).toEqual({ role, buttons: ids });
      }
    });
  }

  it('always offers Refresh and the instructions link, to every role in every status', () => {
    for (const status of Object.keys(expected)) {
      for (const viewer of Object.values(VIEWERS)) {
        const ids = visibleActions(renderStepCard(inStatus(status as WorkStatus), viewer)).map((a) => a.id);
        expect(ids).toContain('refresh');
        expect(ids).toContain('instructions');
      }
    }
  });

  it('offers task Start/Done only while the step is IN_PROGRESS, to the task’s team (shared card: any team)', () => {
    const taskButtons = (data: StepCardData, viewer: StepCardViewer | null) =>
      visibleActions(renderStepCard(data, viewer))
        .map((action) => action.id ?? '')
        .filter((id) => id.startsWith('task-'));
    const running = inStatus('IN_PROGRESS');
    expect(taskButtons(running, VIEWERS.shared!)).toEqual([
      'task-start-TRT-12345a-1',
      'task-done-TRT-12345a-2',
    ]);
    expect(taskButtons(running, VIEWERS.member!)).toEqual(['task-start-TRT-12345a-1']);
    expect(taskButtons(running, VIEWERS.otherTeam!)).toEqual(['task-done-TRT-12345a-2']);
    expect(taskButtons(running, VIEWERS.viewer!)).toEqual([]);
    expect(taskButtons(running, VIEWERS.pilot!)).toEqual([
      'task-start-TRT-12345a-1',
      'task-done-TRT-12345a-2',
    ]);
    for (const status of ['READY', 'OPEN', 'FAILED', 'ON_HOLD', 'DONE'] as const) {
      expect(taskButtons(inStatus(status), VIEWERS.pilot!)).toEqual([]);
    }
  });

  it('offers no action but Refresh when the iteration is not active or the step is out of scope', () => {
    const closed = stepData({ iteration: { ...stepData().iteration, status: 'CLOSED' } });
    const outOfScope = stepData({ inScope: false });
    for (const data of [closed, outOfScope]) {
      expect(visibleActions(renderStepCard(data, VIEWERS.pilot!)).map((a) => a.id)).toEqual([
        'instructions',
        'refresh',
      ]);
    }
    expect(JSON.stringify(renderStepCard(closed, null))).toContain('Updated 19:56 · Run1 (closed)');
    expect(JSON.stringify(renderStepCard(outOfScope, null))).toContain('Not in scope of Run1.');
  });

  it('offers no instructions link that is not http(s)', () => {
    for (const url of ['', 'javascript:alert(1)', 'file:///etc/passwd', 'wiki/page']) {
      const ids = visibleActions(renderStepCard(stepData({ instructionsUrl: url }), null)).map((a) => a.id);
      expect(ids).not.toContain('instructions');
    }
    const link = visibleActions(renderStepCard(stepData(), null)).find((a) => a.id === 'instructions');
    expect(link).toMatchObject({
      type: 'Action.OpenUrl',
      url: 'https://wiki.bank.example/runbooks/TRT-12345a',
    });
  });
});

describe('what the buttons send', () => {
  it('sends Start with exactly the data of the shared fixture (teams/card-action-execute.json)', () => {
    // `value.action` of the fixture, as Teams delivers it when Start is pressed.
    const fixtureAction = {
      type: 'Action.Execute',
      id: 'start',
      verb: 'step.start',
      data: { step: 'TRT-12345a', iteration: 'DR1', seen: 'OPEN' },
    };
    const data = stepData({
      ...inStatus('READY'),
      iteration: { id: 2, name: 'DR1', status: 'ACTIVE', timeZone: 'Europe/Zurich', comms: 'live' },
    });
    const start = visibleActions(renderStepCard(data, null)).find((a) => a.id === 'start');
    expect(start).toEqual({ ...fixtureAction, title: 'Start', style: 'positive' });
  });

  it('gives every Action.Execute a known verb and { step, iteration, seen[, task, force] } data', () => {
    const verbs = new Set<string>();
    for (const status of ['READY', 'OPEN', 'IN_PROGRESS', 'FAILED', 'ON_HOLD', 'DONE'] as const) {
      const data = inStatus(status);
      for (const action of executeActions(renderStepCard(data, VIEWERS.pilot!))) {
        verbs.add(action.verb!);
        if (action.verb === 'card.refresh') {
          expect(action.data).toEqual({ step: 'TRT-12345a', iteration: 'Run1' });
        } else if (action.verb!.startsWith('task.')) {
          const shownTask = data.tasks.find((t) => t.id === (action.data as { task: string }).task)!;
          expect(action.data).toEqual({
            step: 'TRT-12345a',
            iteration: 'Run1',
            seen: shownTask.status,
            task: shownTask.id,
          });
        } else if (action.verb!.startsWith('control.')) {
          expect(action.data).toEqual({
            step: 'TRT-12345a',
            iteration: 'Run1',
            seen: 'PASSED',
            control: 'C0042-b',
          });
        } else if (action.id === 'force-start-confirm') {
          expect(action.data).toEqual({ step: 'TRT-12345a', iteration: 'Run1', seen: 'OPEN', force: true });
        } else {
          expect(action.data).toEqual({ step: 'TRT-12345a', iteration: 'Run1', seen: data.status });
        }
      }
    }
    expect([...verbs].sort()).toEqual([
      'card.refresh',
      'control.confirm',
      'control.fail',
      'step.cancel',
      'step.done',
      'step.fail',
      'step.hold',
      'step.reopen',
      'step.resume',
      'step.retry',
      'step.start',
      'task.done',
      'task.start',
    ]);
  });

  it("opens the activation dialog from a pilot's Activate (Action.Submit, task/fetch), not an Action.Execute", () => {
    const activate = visibleActions(renderStepCard(inStatus('IN_PROGRESS'), VIEWERS.pilot!)).find(
      (a) => a.id === 'activate',
    );
    expect(activate).toEqual({
      type: 'Action.Submit',
      id: 'activate',
      title: 'Activate…',
      data: { msteams: { type: 'task/fetch' }, verb: 'step.activate', step: 'TRT-12345a', iteration: 'Run1' },
    });
  });

  it('asks for a required reason before Failed and Cancel, and an optional one before Hold', () => {
    const card = renderStepCard(inStatus('IN_PROGRESS'), VIEWERS.pilot!);
    const showCard = (id: string) =>
      visibleActions(card).find((a) => a.id === id) as FoundAction & {
        card: { body: Record<string, unknown>[]; actions: FoundAction[] };
      };
    expect(showCard('fail')).toMatchObject({ type: 'Action.ShowCard', title: 'Failed…' });
    expect(showCard('fail').card.body[0]).toMatchObject({
      type: 'Input.Text',
      id: 'reason',
      isRequired: true,
    });
    expect(showCard('fail').card.actions[0]).toMatchObject({ type: 'Action.Execute', verb: 'step.fail' });
    expect(showCard('cancel').card.body[0]).toMatchObject({ id: 'cancelReason', isRequired: true });
    expect(showCard('cancel').card.actions[0]).toMatchObject({ verb: 'step.cancel' });
    expect(showCard('hold').card.body[0]).toMatchObject({ id: 'holdReason' });
    expect(showCard('hold').card.body[0]!.isRequired).toBeUndefined();
  });
});

describe('refresh model', () => {
  it('carries refresh with the user ids only when given, and a manual Refresh button always', () => {
    const without = renderStepCard(stepData(), null);
    expect(without).not.toHaveProperty('refresh');
    expect(visibleActions(without).find((a) => a.id === 'refresh')).toEqual({
      type: 'Action.Execute',
      id: 'refresh',
      title: 'Refresh',
      verb: 'card.refresh',
      data: { step: 'TRT-12345a', iteration: 'Run1' },
    });

    const withIds = renderStepCard(stepData(), null, { refreshUserIds: ['29:pilot', '29:engineer'] });
    expect(withIds.refresh).toEqual({
      action: {
        type: 'Action.Execute',
        verb: 'card.refresh',
        data: { step: 'TRT-12345a', iteration: 'Run1' },
      },
      userIds: ['29:pilot', '29:engineer'],
    });
    expect(visibleActions(withIds).map((a) => a.id)).toContain('refresh');

    // An empty list is kept: Teams then offers "Refresh card" in the message menu, with no automatic refresh.
    expect(renderStepCard(stepData(), null, { refreshUserIds: [] }).refresh?.userIds).toEqual([]);
  });

  it('lists at most 60 users, the most Teams refreshes automatically', () => {
    const ids = Array.from({ length: 75 }, (_, i) => `29:user-${i}`);
    const card = renderStepCard(stepData(), null, { refreshUserIds: ids });
    expect(card.refresh?.userIds).toEqual(ids.slice(0, MAX_REFRESH_USER_IDS));
    expect(MAX_REFRESH_USER_IDS).toBe(60);
  });
});

describe('what the card says', () => {
  const allText = (card: AdaptiveCard) => texts(card).map((t) => t.text);

  it('marks an iteration in comms mode test with a TEST banner at the top', () => {
    const test = renderStepCard(stepData({ iteration: { ...stepData().iteration, comms: 'test' } }), null);
    expect(test.body[0]).toMatchObject({ type: 'Container', style: 'warning' });
    expect(texts(test.body[0])[0]!.text).toBe('TEST · Run1 runs with comms in test mode');
    for (const comms of ['live', 'off'] as const) {
      const card = renderStepCard(stepData({ iteration: { ...stepData().iteration, comms } }), null);
      expect(allText(card).some((t) => t.includes('TEST'))).toBe(false);
    }
  });

  it('shows the notice at the top in its colour', () => {
    const colours = { refused: 'attention', stale: 'warning', duplicate: 'accent', applied: 'good' } as const;
    for (const [kind, color] of Object.entries(colours)) {
      const card = renderStepCard(stepData(), null, {
        notice: { kind: kind as keyof typeof colours, text: `${kind}: TRT-12345a is DONE, not OPEN.` },
      });
      expect(card.body[0]).toEqual({
        type: 'RichTextBlock',
        inlines: [
          { type: 'TextRun', text: `${kind}: TRT-12345a is DONE, not OPEN.`, color, weight: 'bolder' },
        ],
      });
    }
    expect(allText(renderStepCard(stepData(), null))).not.toContain('refused');
  });

  it('turns an engine result into its notice', () => {
    expect(
      cardNoticeFor({
        outcome: 'stale',
        message:
          'TRT-1 is DONE, not OPEN: marked done by Luca Engine at 2026-12-05 19:44 CET. Nothing changed.',
      }),
    ).toEqual({
      kind: 'stale',
      text: 'TRT-1 is DONE, not OPEN: marked done by Luca Engine at 2026-12-05 19:44 CET. Nothing changed.',
    });
  });

  it('shows the header, facts, status line, elapsed time, tasks, controls and footer', () => {
    const view = buildStepCardView(stepData(), null);
    expect(view).toMatchObject({
      id: 'TRT-12345a',
      title: 'Extract client static data',
      status: { label: 'IN PROGRESS', style: 'accent' },
      facts: [
        { label: 'Where', value: 'CSD migration › Extraction' },
        { label: 'Team', value: 'Engine' },
        { label: 'Environment', value: 'PROD' },
        { label: 'Duration', value: '30 min' },
        { label: 'Planned', value: '2026-12-05 19:00 CET → 2026-12-06 03:00 CET' },
        { label: 'After', value: 'TRT-1 DONE' },
      ],
      statusLine: 'Started by Luca Engine at 2026-12-05 19:44 CET.',
      elapsed: { text: 'Running for 12 min, planned 30 min', color: 'default' },
      reason: null,
      tasks: { heading: 'Tasks · 1/3 done', more: null },
      controls: {
        heading: 'Controls · 1/1 passed',
        items: [{ id: 'C0042-b', name: 'Row counts match', result: { label: 'PASSED', color: 'good' } }],
      },
      footer: 'Updated 19:56 · Run1',
    });
    const text = allText(renderStepCard(stepData(), null));
    expect(text).toEqual(
      expect.arrayContaining([
        'TRT-12345a',
        ' Extract client static data',
        'IN PROGRESS',
        'Updated 19:56 · Run1',
      ]),
    );
  });

  it('colours the status badge by status', () => {
    const styles = Object.fromEntries(
      (['READY', 'OPEN', 'IN_PROGRESS', 'ON_HOLD', 'FAILED', 'DONE', 'CANCELLED'] as const).map((s) => [
        s,
        buildStepCardView(inStatus(s), null).status,
      ]),
    );
    expect(styles).toEqual({
      READY: { label: 'READY', style: 'good' },
      OPEN: { label: 'WAITING', style: 'emphasis' },
      IN_PROGRESS: { label: 'IN PROGRESS', style: 'accent' },
      ON_HOLD: { label: 'ON HOLD', style: 'warning' },
      FAILED: { label: 'FAILED', style: 'attention' },
      DONE: { label: 'DONE', style: 'good' },
      CANCELLED: { label: 'CANCELLED', style: 'emphasis' },
    });
  });

  it('says what a waiting step waits for, flags overtime, and shows the reason only while it holds', () => {
    expect(buildStepCardView(inStatus('OPEN'), null).statusLine).toBe('Waiting for TRT-1.');
    expect(buildStepCardView(inStatus('READY'), null).statusLine).toBe('Ready to start.');
    expect(buildStepCardView(stepData({ elapsedMinutes: 95 }), null).elapsed).toEqual({
      text: 'Running for 1 h 35 min, planned 30 min: late by 1 h 05 min',
      color: 'attention',
    });
    expect(buildStepCardView(inStatus('DONE'), null).elapsed).toEqual({
      text: 'Took 42 min, planned 30 min',
      color: 'default',
    });
    expect(buildStepCardView(inStatus('FAILED'), null).reason).toBe('Reason: Extract timed out');
    // A reason left from an earlier failure is not the reason of a running step.
    expect(buildStepCardView(stepData({ reason: 'Extract timed out' }), null).reason).toBeNull();
  });

  it('keeps a step with 1000 tasks readable and under the 28 KB of a Teams message', () => {
    const tasks = Array.from({ length: 1000 }, (_, i) =>
      task(`TRT-12345a-${i + 1}`, 'Engine', i < 990 ? 'DONE' : 'OPEN', 'x'.repeat(400)),
    );
    const card = renderStepCard(stepData({ tasks }), VIEWERS.pilot!, {
      refreshUserIds: Array(60).fill('29:x'),
    });
    const view = buildStepCardView(stepData({ tasks }), VIEWERS.pilot!);
    expect(view.tasks!.items).toHaveLength(MAX_TASKS_SHOWN);
    // The ten still to do come first.
    expect(view.tasks!.items.slice(0, 10).every((t) => t.status.label === 'OPEN')).toBe(true);
    expect(view.tasks!.heading).toBe('Tasks · 990/1000 done');
    expect(view.tasks!.more).toBe('…and 988 more tasks');
    expect(view.tasks!.items[0]!.description).toHaveLength(140);
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);
    expect(adaptiveCardProblems(card)).toEqual([]);
  });

  it('formats minutes as people read them', () => {
    expect([0, 45, 60, 125, 600].map(formatMinutes)).toEqual([
      '0 min',
      '45 min',
      '1 h',
      '2 h 05 min',
      '10 h',
    ]);
  });
});

describe('hostile text', () => {
  const hostile = `<script>alert("x")</script> \${step.id} \${$root.id} "quoted" 'single' [link](https://evil.example) _x_ **y** {{DATE(2017-02-14T06:00:00Z)}} \\ $`;

  it('renders a hostile title, description, reason, name and notice as literal text in TextRuns', () => {
    const data = stepData({
      status: 'FAILED',
      title: hostile,
      reason: hostile,
      elapsedMinutes: null,
      lastChange: { action: 'fail', byName: hostile, at: new Date('2026-12-05T18:50:00Z'), local: '' },
      tasks: [task('TRT-12345a-1', 'Engine', 'OPEN', hostile)],
      controls: [
        {
          id: 'C0042-b',
          name: hostile,
          producer: 'Engine',
          validator: 'DBA',
          result: 'OPEN',
          confirmed: false,
        },
      ],
    });
    const card = renderStepCard(data, VIEWERS.pilot!, { notice: { kind: 'refused', text: hostile } });
    expect(adaptiveCardProblems(card)).toEqual([]);

    const runs = texts(card);
    const withHostile = runs.filter((t) => t.text.includes('<script>'));
    // Title, notice, reason, status line, task description, control name.
    expect(withHostile).toHaveLength(6);
    expect(withHostile.every((t) => t.type === 'TextRun')).toBe(true);
    expect(runs).toContainEqual({ type: 'TextRun', text: ` ${hostile}` });
    expect(runs).toContainEqual({ type: 'TextRun', text: hostile });
    expect(runs).toContainEqual({ type: 'TextRun', text: `Reason: ${hostile}` });
    // Round trip through JSON, as it travels to Teams: still the same literal text.
    expect(JSON.parse(JSON.stringify(card))).toEqual(card);
  });

  it('keeps hostile ids and iteration names inside the action data unchanged', () => {
    const data = stepData({ id: 'TRT-1 ${id}', iteration: { ...stepData().iteration, name: '"Run1" ${x}' } });
    const refresh = visibleActions(renderStepCard(data, null)).find((a) => a.id === 'refresh');
    expect(refresh!.data).toEqual({ step: 'TRT-1 ${id}', iteration: '"Run1" ${x}' });
  });
});

describe('cards/step-card.sample.json', () => {
  const sample = JSON.parse(
    readFileSync(new URL('../../cards/step-card.sample.json', import.meta.url), 'utf8'),
  ) as StepCardView;

  /** The keys of a view, recursively (arrays by the union of their elements), ignoring nulls. */
  function shape(value: unknown): unknown {
    if (Array.isArray(value)) {
      const merged = Object.assign({}, ...value.map((item) => shape(item) as object)) as object;
      return [merged];
    }
    if (value === null || typeof value !== 'object') return typeof value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, shape(v)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  }

  it('fills the template into a valid card, showing every part of it', () => {
    const card = expandStepCardTemplate(sample);
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(JSON.stringify(card)).not.toContain('${');
    const nulls = Object.entries(sample).filter(([, v]) => v === null);
    expect(nulls).toEqual([]);
  });

  it('has the shape of the view the renderer builds', () => {
    // Enough tasks and controls for the "…and N more" lines, which the sample shows too.
    const many = stepData({
      iteration: { ...stepData().iteration, comms: 'test' },
      tasks: Array.from({ length: MAX_TASKS_SHOWN + 2 }, (_, i) =>
        task(`TRT-12345a-${i + 1}`, 'Engine', i % 2 === 0 ? 'OPEN' : 'IN_PROGRESS'),
      ),
      controls: [],
      // A go/no-go step's phase controls: the warning and every kind of button show.
      phaseControls: {
        phase: 'CSD migration',
        controls: Array.from({ length: 10 }, (_, i) => ({
          id: `C000${i}-a`,
          name: 'x',
          producer: 'Engine',
          validator: 'DBA',
          result: (['OPEN', 'PASSED', 'FAILED'] as const)[i % 3]!,
          confirmed: false,
        })),
      },
    });
    const view = buildStepCardView(many, VIEWERS.pilot!, {
      refreshUserIds: ['29:x'],
      notice: { kind: 'applied', text: 'x' },
    });
    const { pilotActions: samplePilot, actions: sampleActions, ...sampleRest } = sample;
    const { pilotActions: viewPilot, actions: viewActions, ...viewRest } = view;
    expect(shape(sampleRest)).toEqual(shape({ ...viewRest, reason: 'x' }));
    // Buttons differ by status; their keys must not.
    expect(Object.keys(sampleActions).sort()).toEqual(Object.keys(viewActions).sort());
    expect(Object.keys(samplePilot ?? {}).sort()).toEqual(Object.keys(viewPilot ?? {}).sort());
  });
});

describe('controls on the card', () => {
  const control = (id: string, result: StepCardData['controls'][number]['result'], confirmed = false) => ({
    id,
    name: `Check ${id}`,
    producer: 'Engine',
    validator: 'DBA',
    result,
    confirmed,
  });
  const controlButtons = (card: AdaptiveCard) =>
    executeActions(card)
      .filter((a) => a.verb!.startsWith('control.'))
      .map((a) => `${a.verb} ${(a.data as { control: string }).control}`);

  it('offers Passed/Failed to the producer, Confirm to the validator, and nothing to a viewer', () => {
    const data = stepData({ controls: [control('C0001-a', 'OPEN'), control('C0002-a', 'PASSED')] });
    expect(controlButtons(renderStepCard(data, VIEWERS.member!))).toEqual([
      'control.pass C0001-a',
      'control.fail C0001-a',
      'control.fail C0002-a',
    ]);
    expect(controlButtons(renderStepCard(data, VIEWERS.otherTeam!))).toEqual([
      'control.pass C0001-a',
      'control.fail C0001-a',
      'control.fail C0002-a',
      'control.confirm C0002-a',
    ]);
    expect(controlButtons(renderStepCard(data, VIEWERS.viewer!))).toEqual([]);
    // The shared card stands for the step's team (Engine, the producer).
    expect(controlButtons(renderStepCard(data, null))).toEqual(
      controlButtons(renderStepCard(data, VIEWERS.member!)),
    );
    // A confirmed result offers no second Confirm; a closed iteration offers nothing.
    const confirmed = stepData({ controls: [control('C0002-a', 'PASSED', true)] });
    expect(controlButtons(renderStepCard(confirmed, VIEWERS.otherTeam!))).toEqual(['control.fail C0002-a']);
    const closed = stepData({ iteration: { ...stepData().iteration, status: 'CLOSED' } });
    expect(controlButtons(renderStepCard(closed, VIEWERS.pilot!))).toEqual([]);
  });

  it('puts the note input in the Result… form, under an id unique to the control', () => {
    const card = renderStepCard(stepData({ controls: [control('C0001-a', 'OPEN')] }), VIEWERS.member!);
    const form = visibleActions(card).find((a) => a.id === 'control-result-C0001-a') as unknown as {
      card: { body: { id: string; label: string }[] };
    };
    expect(form.card.body).toEqual([
      { type: 'Input.Text', id: 'note-C0001-a', label: 'Note (optional)', maxLength: 500 },
    ]);
    const view = buildStepCardView(stepData({ controls: [control('C0001-a', 'PASSED', true)] }), null);
    expect(view.controls!.items[0]).toMatchObject({ teams: 'Engine → DBA', confirmation: 'confirmed' });
  });

  it("shows a go/no-go step's phase controls, failed and open first, with counts and a warning", () => {
    const phase = [
      control('C0003-a', 'FAILED'),
      control('C0002-a', 'OPEN'),
      control('C0001-a', 'PASSED', true),
    ];
    const data = stepData({
      id: 'IGO-15',
      controls: [],
      phaseControls: { phase: 'Migration', controls: phase },
    });
    const view = buildStepCardView(data, VIEWERS.pilot!);
    expect(view.controls).toMatchObject({
      heading: 'Controls of phase Migration: 1 passed, 1 open, 1 failed',
      warning:
        "Not passed: C0003-a FAILED, C0002-a OPEN. Marking this go/no-go step done needs a pilot's acknowledgement.",
      more: null,
    });
    expect(view.controls!.items.map((c) => c.id)).toEqual(['C0003-a', 'C0002-a', 'C0001-a']);
    expect(view.pilotActions!.doneAnyway).toEqual({
      step: 'IGO-15',
      iteration: 'Run1',
      seen: 'IN_PROGRESS',
      acknowledgeControls: true,
    });
    // A team member keeps Done (the engine explains) and gets no Done anyway.
    expect(buildStepCardView(data, VIEWERS.member!).pilotActions).toBeNull();
    const card = renderStepCard(data, VIEWERS.pilot!);
    expect(executeActions(card).find((a) => a.id === 'done-anyway-confirm')).toMatchObject({
      verb: 'step.done',
      data: view.pilotActions!.doneAnyway,
    });
    expect(adaptiveCardProblems(card)).toEqual([]);
    // All passed: no warning and no Done anyway.
    const passed = stepData({
      id: 'IGO-15',
      phaseControls: { phase: 'Migration', controls: [control('C0001-a', 'PASSED')] },
    });
    expect(buildStepCardView(passed, VIEWERS.pilot!).controls!.warning).toBeNull();
    expect(buildStepCardView(passed, VIEWERS.pilot!).pilotActions!.doneAnyway).toBeNull();
  });

  it('keeps a go/no-go card of 200 phase controls within 8 lines and the 28 KB of a Teams message', () => {
    const many = Array.from({ length: 200 }, (_, i) => control(`C${String(i).padStart(4, '0')}-a`, 'OPEN'));
    const data = stepData({ id: 'IGO-15', phaseControls: { phase: 'Migration', controls: many } });
    const view = buildStepCardView(data, VIEWERS.pilot!);
    expect(view.controls!.items).toHaveLength(8);
    expect(view.controls!.more).toBe('…and 192 more');
    expect(view.controls!.warning).toMatch(/C0007-a OPEN, 192 more\. Marking/);
    const card = renderStepCard(data, VIEWERS.pilot!, { refreshUserIds: Array(60).fill('29:x') });
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);
    expect(adaptiveCardProblems(card)).toEqual([]);
  });
});
