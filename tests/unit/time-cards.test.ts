/** The alert card and the hold confirmation card as Microsoft's Adaptive Cards parser reads them. */
import { describe, expect, it } from 'vitest';
import type { WhatIf } from '../../src/engine/what-if.js';
import { holdConfirmationCard, whatIfConfirmationCard } from '../../src/teams/cards/hold-confirmation.js';
import { channelMessageLink, renderAlertCard } from '../../src/teams/cards/render-alert-card.js';
import { adaptiveCardProblems } from '../support/adaptive-card-problems.js';

const alert = {
  iteration: 'DR1',
  test: true,
  kind: 'step-overrun',
  message: 'TRT-1 is late by 7 min (planned 30 min)',
  raisedAt: '2026-12-06 00:58 CET',
  resolvedAt: null,
  stepCardUrl: channelMessageLink('19:engine@thread.tacv2;messageid=17', '1764000000999', 'tenant-1'),
};

describe('the alert card', () => {
  it('parses as Adaptive Card 1.5, open and resolved, with and without the step card link', () => {
    for (const data of [
      alert,
      { ...alert, resolvedAt: '2026-12-06 01:10 CET', stepCardUrl: null, test: false },
    ])
      expect(adaptiveCardProblems(renderAlertCard(data))).toEqual([]);
  });

  it('links to the step card message in its channel', () => {
    expect(alert.stepCardUrl).toBe(
      'https://teams.microsoft.com/l/message/19%3Aengine%40thread.tacv2/1764000000999?parentMessageId=1764000000999&tenantId=tenant-1',
    );
    const card = renderAlertCard(alert) as { actions: { url: string }[] };
    expect(card.actions[0]!.url).toBe(alert.stepCardUrl);
  });

  it('says Resolved once the cause went away', () => {
    const card = JSON.stringify(renderAlertCard({ ...alert, resolvedAt: '2026-12-06 01:10 CET' }));
    expect(card).toContain('✅ Resolved Step late');
    expect(card).toContain('"title":"Resolved","value":"2026-12-06 01:10 CET"');
  });
});

describe('the hold confirmation card', () => {
  const whatIf: WhatIf = {
    iteration: 'Run1',
    timeZone: 'Europe/Zurich',
    step: 'TRT-1',
    action: 'hold',
    from: 'IN_PROGRESS',
    to: 'ON_HOLD',
    holdMinutes: 30,
    chapter: {
      name: 'Extraction',
      before: Date.UTC(2026, 11, 6, 0, 20),
      after: Date.UTC(2026, 11, 6, 0, 50),
      plannedEnd: null,
    },
    iterationEnd: { before: Date.UTC(2026, 11, 6, 0, 20), after: Date.UTC(2026, 11, 6, 0, 50) },
    moved: [{ step: 'TRT-3', before: 0, after: 30 * 60_000 }],
    critical: true,
    basis: 'learned durations from Run0–DR1',
  };
  const action = {
    kind: 'work' as const,
    subject: 'step' as const,
    action: 'hold' as const,
    step: 'TRT-1',
    task: null,
    iteration: 'Run1',
    seen: 'IN_PROGRESS',
    reason: null,
    force: false,
  };

  it('parses as Adaptive Card 1.5 and carries back what was shown, without a reason when none was given', () => {
    const card = holdConfirmationCard(whatIf, action);
    expect(adaptiveCardProblems(card)).toEqual([]);
    const confirm = (card.actions as { verb: string; data: Record<string, unknown> }[])[0]!;
    expect(confirm.verb).toBe('step.hold');
    expect(confirm.data).toEqual({
      step: 'TRT-1',
      iteration: 'Run1',
      seen: 'IN_PROGRESS',
      confirmed: true,
      forecastSeen: {
        chapter: whatIf.chapter,
        iterationEnd: whatIf.iterationEnd,
        holdMinutes: 30,
        basis: 'learned durations from Run0–DR1',
        movedCount: 1,
        moved: whatIf.moved,
      },
    });
  });

  it('confirms any action from chat: its verb, force and reason input, no Back, and the basis shown', () => {
    const card = whatIfConfirmationCard(
      { ...whatIf, action: 'cancel', to: 'CANCELLED', holdMinutes: null },
      { step: 'TRT-1', iteration: 'Run1', seen: 'IN_PROGRESS', reason: 'not needed', force: true },
      { back: false },
    );
    expect(adaptiveCardProblems(card)).toEqual([]);
    const actions = card.actions as { title: string; verb: string; data: Record<string, unknown> }[];
    expect(actions.map((a) => [a.title, a.verb])).toEqual([['Confirm cancel of TRT-1', 'step.cancel']]);
    expect(actions[0]!.data).toMatchObject({ cancelReason: 'not needed', force: true, confirmed: true });
    expect(JSON.stringify(card.body)).toContain('Forecast with learned durations from Run0–DR1.');
  });
});
