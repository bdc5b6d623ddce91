/**
 * The bot's side of the card contract: reading `activity.value.action` of an
 * `adaptiveCard/action` invoke back into what to do, and the plain text task descriptions become.
 */
import { describe, expect, it } from 'vitest';
import { htmlToPlainText, truncateText } from '../../src/teams/cards/plain-text.js';
import { renderStepCard } from '../../src/teams/cards/render-step-card.js';
import {
  parseActivationLaunch,
  parseStepCardAction,
  REASON_INPUT_IDS,
} from '../../src/teams/cards/step-card-actions.js';
import type { StepCardData } from '../../src/teams/cards/step-card-data.js';

describe('parseStepCardAction', () => {
  it('reads the shared fixture’s Start (teams/card-action-execute.json)', () => {
    const fixtureAction = {
      type: 'Action.Execute',
      id: 'start',
      verb: 'step.start',
      data: { step: 'TRT-12345a', iteration: 'DR1', seen: 'OPEN' },
    };
    expect(parseStepCardAction(fixtureAction)).toEqual({
      kind: 'work',
      subject: 'step',
      action: 'start',
      step: 'TRT-12345a',
      task: null,
      iteration: 'DR1',
      seen: 'OPEN',
      reason: null,
      force: false,
    });
  });

  it('reads each reason from its own input, trimmed, and only for its verb', () => {
    const base = { step: 'TRT-1', iteration: 'Run1', seen: 'IN_PROGRESS' };
    const inputs = { reason: ' disk full ', holdReason: 'wait for DBA', cancelReason: 'not needed' };
    const reasonOf = (verb: string) => {
      const parsed = parseStepCardAction({ verb, data: { ...base, ...inputs } });
      return parsed.kind === 'work' ? parsed.reason : parsed.kind;
    };
    expect(reasonOf('step.fail')).toBe('disk full');
    expect(reasonOf('step.hold')).toBe('wait for DBA');
    expect(reasonOf('step.cancel')).toBe('not needed');
    expect(reasonOf('step.done')).toBeNull();
    expect(parseStepCardAction({ verb: 'step.fail', data: { ...base, reason: '   ' } })).toMatchObject({
      reason: null,
    });
    expect(REASON_INPUT_IDS).toEqual({
      'step.fail': 'reason',
      'step.hold': 'holdReason',
      'step.cancel': 'cancelReason',
    });
  });

  it('reads task buttons, Force start, Activate and Refresh', () => {
    expect(
      parseStepCardAction({
        verb: 'task.done',
        data: { step: 'TRT-1', iteration: 'Run1', seen: 'IN_PROGRESS', task: 'TRT-1-2' },
      }),
    ).toMatchObject({ kind: 'work', subject: 'task', action: 'done', step: 'TRT-1', task: 'TRT-1-2' });
    expect(
      parseStepCardAction({
        verb: 'step.start',
        data: { step: 'TRT-3', iteration: 'Run1', seen: 'OPEN', force: true },
      }),
    ).toMatchObject({ kind: 'work', action: 'start', force: true });
    expect(
      parseStepCardAction({
        verb: 'step.activate',
        data: { step: 'TRT-3', iteration: 'Run1', seen: 'OPEN' },
      }),
    ).toEqual({
      kind: 'activate',
      step: 'TRT-3',
      iteration: 'Run1',
      seen: 'OPEN',
    });
    expect(parseStepCardAction({ verb: 'card.refresh', data: { step: 'TRT-3', iteration: 'Run1' } })).toEqual(
      {
        kind: 'refresh',
        step: 'TRT-3',
        iteration: 'Run1',
      },
    );
  });

  it('answers anything else with a problem, never a throw', () => {
    const invalid = [
      undefined,
      null,
      'step.start',
      { verb: 'step.start' },
      { verb: 'step.start', data: { step: '', iteration: 'Run1' } },
      { verb: 'step.launch', data: { step: 'TRT-1', iteration: 'Run1' } },
      { verb: 'control.pass', data: { step: 'TRT-1', iteration: 'Run1' } },
      { verb: 'step.start.now', data: { step: 'TRT-1', iteration: 'Run1' } },
      { verb: 'task.start', data: { step: 'TRT-1', iteration: 'Run1', seen: 'OPEN' } },
      { verb: 'step.start', data: { step: 'TRT-1', iteration: 'Run1', force: 'yes' } },
    ];
    for (const payload of invalid) {
      expect(parseStepCardAction(payload)).toMatchObject({ kind: 'invalid', problem: expect.any(String) });
    }
  });

  it('reads control buttons with the note of their own input, and Done anyway', () => {
    const data = { step: 'IGO-15', iteration: 'Run1', seen: 'OPEN', control: 'C0001-a' };
    expect(
      parseStepCardAction({
        verb: 'control.pass',
        data: { ...data, 'note-C0001-a': '  1,204 rows ', 'note-C0002-a': 'not mine' },
      }),
    ).toEqual({
      kind: 'control',
      action: 'pass',
      step: 'IGO-15',
      control: 'C0001-a',
      iteration: 'Run1',
      seen: 'OPEN',
      reason: '1,204 rows',
    });
    expect(parseStepCardAction({ verb: 'control.confirm', data: { ...data, seen: 'PASSED' } })).toMatchObject(
      {
        kind: 'control',
        action: 'confirm',
        reason: null,
      },
    );
    expect(parseStepCardAction({ verb: 'control.cancel', data })).toMatchObject({ kind: 'invalid' });
    expect(
      parseStepCardAction({
        verb: 'step.done',
        data: { step: 'IGO-15', iteration: 'Run1', seen: 'IN_PROGRESS', acknowledgeControls: true },
      }),
    ).toMatchObject({ kind: 'work', action: 'done', acknowledgeControls: true });
  });

  it('reads back every button the card renders', () => {
    const at = new Date('2026-12-05T18:44:00Z');
    const data: StepCardData = {
      iteration: { id: 1, name: 'Run1', status: 'ACTIVE', timeZone: 'Europe/Zurich', comms: 'live' },
      stepDbId: 1,
      id: 'TRT-1',
      title: 'Step',
      phase: 'P',
      chapter: 'C',
      team: 'Engine',
      environment: 'PROD',
      durationMinutes: null,
      instructionsUrl: '',
      plannedWindow: null,
      predecessors: [],
      inScope: true,
      ready: false,
      status: 'IN_PROGRESS',
      heldFrom: null,
      reason: null,
      lastChange: null,
      started: { byName: 'Luca Engine', at, local: '' },
      elapsedMinutes: 1,
      actualMinutes: null,
      tasks: [{ id: 'TRT-1-1', description: '', team: 'Engine', status: 'OPEN' }],
      controls: [],
      version: 1,
      asOf: { at, localTime: '19:45' },
    };
    const executes: unknown[] = [];
    const submits: { data: unknown }[] = [];
    JSON.stringify(renderStepCard(data, { isPilot: true, teams: [] }), (_key, value: unknown) => {
      const type = (value as { type?: unknown } | null)?.type;
      if (type === 'Action.Execute') executes.push(value);
      if (type === 'Action.Submit') submits.push(value as { data: unknown });
      return value;
    });
    // Done, Failed, task Start, Hold, Cancel, Refresh.
    expect(executes).toHaveLength(6);
    for (const action of executes) expect(parseStepCardAction(action).kind).not.toBe('invalid');
    // Activate… opens the dialog: its data comes back in the task/fetch invoke.
    expect(submits).toHaveLength(1);
    expect(parseActivationLaunch(submits[0]!.data)).toEqual({ step: 'TRT-1', iteration: 'Run1' });
    expect(parseActivationLaunch({ verb: 'step.start', step: 'TRT-1', iteration: 'Run1' })).toBeNull();
  });
});

describe('htmlToPlainText', () => {
  it('keeps words apart across blocks and list items, and decodes entities', () => {
    expect(htmlToPlainText('<p>Export &amp; check</p><p>the <b>client</b>&nbsp;tables</p>')).toBe(
      'Export & check the client tables',
    );
    expect(htmlToPlainText('<ul><li>rows</li><li>checksums</li></ul>')).toBe('• rows • checksums');
    expect(htmlToPlainText('a<br>b<br/>c')).toBe('a b c');
    expect(htmlToPlainText('1 &lt; 2 &amp;&amp; &quot;x&quot; &#39;y&#39; &amp;lt;')).toBe(
      `1 < 2 && "x" 'y' &lt;`,
    );
  });

  it('drops scripts and styles with their content, and passes plain text through', () => {
    expect(htmlToPlainText('<script>alert(1)</script><style>p{}</style>ok')).toBe('ok');
    expect(htmlToPlainText('  plain   text\n')).toBe('plain text');
    expect(htmlToPlainText('')).toBe('');
  });
});

describe('truncateText', () => {
  it('cuts at the limit with an ellipsis, never inside an emoji', () => {
    expect(truncateText('short', 10)).toBe('short');
    expect(truncateText('exactly 10', 10)).toBe('exactly 10');
    expect(truncateText('a long sentence here', 10)).toBe('a long se…');
    expect(truncateText('😀😀😀😀😀😀', 4)).toBe('😀😀😀…');
  });
});
