import { describe, expect, it } from 'vitest';
import {
  CONTROL_ACTIONS,
  CONTROL_RESULTS,
  WORK_ACTIONS,
  WORK_STATUSES,
  type ControlAction,
  type ControlResult,
  type WorkAction,
  type WorkStatus,
} from '../../src/domain/statuses.js';
import {
  actionTarget,
  availableControlActions,
  availableWorkActions,
  controlActionTarget,
  decideControlTransition,
  decideWorkTransition,
  type ControlTransitionInput,
  type WorkTransitionDecision,
  type WorkTransitionInput,
} from '../../src/domain/transitions.js';

// The step table of domain.md, written out independently of the implementation. Resume leads
// back to the status hold left; here it is tested with heldFrom = FAILED (other values below).
const HELD_FROM_IN_TABLE_TEST: WorkStatus = 'FAILED';
const EXPECTED_WORK_TABLE: Record<WorkAction, Partial<Record<WorkStatus, WorkStatus>>> = {
  start: { OPEN: 'IN_PROGRESS' },
  done: { IN_PROGRESS: 'DONE' },
  fail: { IN_PROGRESS: 'FAILED' },
  retry: { FAILED: 'IN_PROGRESS' },
  hold: { OPEN: 'ON_HOLD', IN_PROGRESS: 'ON_HOLD', FAILED: 'ON_HOLD' },
  resume: { ON_HOLD: HELD_FROM_IN_TABLE_TEST },
  cancel: { OPEN: 'CANCELLED', IN_PROGRESS: 'CANCELLED', ON_HOLD: 'CANCELLED', FAILED: 'CANCELLED' },
  reopen: { DONE: 'IN_PROGRESS', CANCELLED: 'IN_PROGRESS' },
};
const TEAM_ACTIONS: readonly WorkAction[] = ['start', 'done', 'fail', 'retry'];
const PILOT_ONLY_ACTIONS: readonly WorkAction[] = ['hold', 'resume', 'cancel', 'reopen'];

const PILOT = { isPilot: true, isOwnTeam: false };
const TEAM_MEMBER = { isPilot: false, isOwnTeam: true };
const OUTSIDER = { isPilot: false, isOwnTeam: false };

const ALL_COMBINATIONS = WORK_ACTIONS.flatMap((action) =>
  WORK_STATUSES.map((from) => ({ action, from, to: EXPECTED_WORK_TABLE[action][from] ?? null })),
);

/** A step input where every looked-up fact is favourable, so only the table can refuse. */
function stepInput(overrides: Partial<WorkTransitionInput> = {}): WorkTransitionInput {
  return {
    subject: { kind: 'step', id: 'TRT-1' },
    action: 'start',
    current: { status: 'OPEN', heldFrom: null },
    actor: PILOT,
    force: false,
    reason: 'a reason',
    ready: true,
    openTasks: [],
    startedSuccessors: [],
    ...overrides,
  };
}

/** A task input whose step is IN_PROGRESS, so only the table can refuse. */
function taskInput(overrides: Partial<WorkTransitionInput> = {}): WorkTransitionInput {
  return {
    subject: { kind: 'task', id: 'TRT-1-2' },
    action: 'start',
    current: { status: 'OPEN', heldFrom: null },
    actor: PILOT,
    force: false,
    reason: 'a reason',
    stepStatus: 'IN_PROGRESS',
    ...overrides,
  };
}

function current(status: WorkStatus): WorkTransitionInput['current'] {
  return { status, heldFrom: status === 'ON_HOLD' ? HELD_FROM_IN_TABLE_TEST : null };
}

function refusalCode(decision: WorkTransitionDecision): string {
  return decision.ok ? `allowed to ${decision.to}` : decision.code;
}

describe('the step table', () => {
  it('has 48 action × status combinations, 14 of them allowed', () => {
    expect(ALL_COMBINATIONS).toHaveLength(48);
    expect(ALL_COMBINATIONS.filter((row) => row.to !== null)).toHaveLength(14);
  });

  it.each(ALL_COMBINATIONS)('pilot: $action from $from gives $to', ({ action, from, to }) => {
    const decision = decideWorkTransition(stepInput({ action, current: current(from) }));
    if (to === null) {
      expect(refusalCode(decision)).toBe('STATUS');
    } else {
      expect(decision).toEqual({
        ok: true,
        to,
        heldFrom: action === 'hold' ? from : null,
        forced: false,
      });
    }
  });

  it.each(ALL_COMBINATIONS.filter((row) => TEAM_ACTIONS.includes(row.action)))(
    'team member: $action from $from gives $to',
    ({ action, from, to }) => {
      const decision = decideWorkTransition(
        stepInput({ action, current: current(from), actor: TEAM_MEMBER }),
      );
      expect(decision).toEqual(
        to === null
          ? expect.objectContaining({ ok: false, code: 'STATUS' })
          : {
              ok: true,
              to,
              heldFrom: null,
              forced: false,
            },
      );
    },
  );

  it.each(ALL_COMBINATIONS)('actionTarget($action, $from) is $to', ({ action, from, to }) => {
    expect(actionTarget(action, from, from === 'ON_HOLD' ? HELD_FROM_IN_TABLE_TEST : null)).toBe(to);
  });

  it('explains a status refusal with the status found and the ones needed', () => {
    expect(decideWorkTransition(stepInput({ action: 'hold', current: current('DONE') }))).toEqual({
      ok: false,
      code: 'STATUS',
      message: 'Cannot put step TRT-1 on hold: it is DONE and must be OPEN, IN_PROGRESS or FAILED.',
    });
    expect(decideWorkTransition(stepInput({ action: 'done', current: current('OPEN') }))).toEqual({
      ok: false,
      code: 'STATUS',
      message: 'Cannot mark step TRT-1 done: it is OPEN and must be IN_PROGRESS.',
    });
  });
});

describe('hold and resume', () => {
  it.each(['OPEN', 'IN_PROGRESS', 'FAILED'] as const)(
    'hold from %s remembers it and resume returns to it',
    (from) => {
      const held = decideWorkTransition(
        stepInput({ action: 'hold', current: { status: from, heldFrom: null } }),
      );
      expect(held).toEqual({ ok: true, to: 'ON_HOLD', heldFrom: from, forced: false });

      const resumed = decideWorkTransition(
        stepInput({ action: 'resume', current: { status: 'ON_HOLD', heldFrom: from } }),
      );
      expect(resumed).toEqual({ ok: true, to: from, heldFrom: null, forced: false });
      expect(actionTarget('resume', 'ON_HOLD', from)).toBe(from);
    },
  );

  it('needs no reason to hold', () => {
    expect(decideWorkTransition(stepInput({ action: 'hold', reason: null }))).toMatchObject({ ok: true });
  });

  it('resumes to OPEN when the status hold left is missing or impossible', () => {
    expect(actionTarget('resume', 'ON_HOLD', null)).toBe('OPEN');
    expect(actionTarget('resume', 'ON_HOLD', 'DONE')).toBe('OPEN');
    expect(
      decideWorkTransition(stepInput({ action: 'resume', current: { status: 'ON_HOLD', heldFrom: null } })),
    ).toEqual({ ok: true, to: 'OPEN', heldFrom: null, forced: false });
  });

  it('forgets heldFrom when a held step is cancelled', () => {
    expect(
      decideWorkTransition(
        stepInput({ action: 'cancel', current: { status: 'ON_HOLD', heldFrom: 'IN_PROGRESS' } }),
      ),
    ).toEqual({ ok: true, to: 'CANCELLED', heldFrom: null, forced: false });
  });
});

describe('roles', () => {
  it.each(PILOT_ONLY_ACTIONS.flatMap((action) => WORK_STATUSES.map((from) => ({ action, from }))))(
    'a team member may not $action (from $from): ROLE',
    ({ action, from }) => {
      const decision = decideWorkTransition(
        stepInput({ action, current: current(from), actor: TEAM_MEMBER }),
      );
      expect(refusalCode(decision)).toBe('ROLE');
    },
  );

  it.each(ALL_COMBINATIONS)(
    'someone outside the team may not $action (from $from): ROLE',
    ({ action, from }) => {
      expect(
        refusalCode(decideWorkTransition(stepInput({ action, current: current(from), actor: OUTSIDER }))),
      ).toBe('ROLE');
      expect(
        refusalCode(decideWorkTransition(taskInput({ action, current: current(from), actor: OUTSIDER }))),
      ).toBe('ROLE');
    },
  );

  it('a pilot of the team is a pilot', () => {
    const decision = decideWorkTransition(
      stepInput({ action: 'hold', actor: { isPilot: true, isOwnTeam: true }, current: current('OPEN') }),
    );
    expect(decision).toMatchObject({ ok: true, to: 'ON_HOLD' });
  });

  it('says who may act', () => {
    expect(decideWorkTransition(stepInput({ action: 'cancel', actor: TEAM_MEMBER }))).toEqual({
      ok: false,
      code: 'ROLE',
      message: 'Only a pilot may cancel step TRT-1.',
    });
    expect(decideWorkTransition(taskInput({ action: 'done', actor: OUTSIDER }))).toEqual({
      ok: false,
      code: 'ROLE',
      message: "Only the task's team or a pilot may mark task TRT-1-2 done.",
    });
  });

  it('checks the role before the status', () => {
    const decision = decideWorkTransition(
      stepInput({ action: 'reopen', current: current('OPEN'), actor: TEAM_MEMBER }),
    );
    expect(refusalCode(decision)).toBe('ROLE');
  });
});

describe('reasons', () => {
  it.each([
    ['fail', 'IN_PROGRESS'],
    ['cancel', 'OPEN'],
    ['cancel', 'ON_HOLD'],
  ] as const)('%s from %s requires a reason', (action, from) => {
    for (const reason of [null, '', '   ']) {
      const decision = decideWorkTransition(stepInput({ action, current: current(from), reason }));
      expect(refusalCode(decision)).toBe('REASON_REQUIRED');
    }
    expect(
      decideWorkTransition(stepInput({ action, current: current(from), reason: 'disk full' })),
    ).toMatchObject({
      ok: true,
    });
  });

  it('names what is missing', () => {
    expect(
      decideWorkTransition(stepInput({ action: 'fail', current: current('IN_PROGRESS'), reason: '' })),
    ).toEqual({
      ok: false,
      code: 'REASON_REQUIRED',
      message: 'A reason is required to fail step TRT-1.',
    });
  });

  it.each(WORK_ACTIONS.filter((action) => action !== 'fail' && action !== 'cancel'))(
    '%s needs no reason',
    (action) => {
      const from = (Object.keys(EXPECTED_WORK_TABLE[action]) as WorkStatus[])[0]!;
      expect(decideWorkTransition(stepInput({ action, current: current(from), reason: null }))).toMatchObject(
        {
          ok: true,
        },
      );
    },
  );

  it('checks the status before the reason', () => {
    expect(
      refusalCode(
        decideWorkTransition(stepInput({ action: 'fail', current: current('OPEN'), reason: null })),
      ),
    ).toBe('STATUS');
  });

  it('checks the reason before the rule', () => {
    const decision = decideWorkTransition(
      taskInput({ action: 'fail', current: current('IN_PROGRESS'), reason: null, stepStatus: 'ON_HOLD' }),
    );
    expect(refusalCode(decision)).toBe('REASON_REQUIRED');
  });
});

describe('start and readiness', () => {
  it('refuses a step that is not ready, telling a pilot to force', () => {
    expect(decideWorkTransition(stepInput({ ready: false }))).toEqual({
      ok: false,
      code: 'NOT_READY',
      message:
        'Step TRT-1 is not ready: not all of its predecessors are DONE or CANCELLED. Repeat with force to override.',
    });
  });

  it('refuses a team member, telling them only a pilot may force', () => {
    expect(decideWorkTransition(stepInput({ ready: false, actor: TEAM_MEMBER }))).toEqual({
      ok: false,
      code: 'NOT_READY',
      message:
        'Step TRT-1 is not ready: not all of its predecessors are DONE or CANCELLED. Only a pilot may force it.',
    });
  });

  it('lets a pilot force it, marking the decision forced', () => {
    expect(decideWorkTransition(stepInput({ ready: false, force: true }))).toEqual({
      ok: true,
      to: 'IN_PROGRESS',
      heldFrom: null,
      forced: true,
    });
  });

  it('refuses a team member who forces: FORCE_NOT_ALLOWED', () => {
    expect(decideWorkTransition(stepInput({ ready: false, force: true, actor: TEAM_MEMBER }))).toEqual({
      ok: false,
      code: 'FORCE_NOT_ALLOWED',
      message:
        'Step TRT-1 is not ready: not all of its predecessors are DONE or CANCELLED. Only a pilot may force it.',
    });
  });

  it.each([PILOT, TEAM_MEMBER])('does not count a force that was not needed (%o)', (actor) => {
    expect(decideWorkTransition(stepInput({ ready: true, force: true, actor }))).toEqual({
      ok: true,
      to: 'IN_PROGRESS',
      heldFrom: null,
      forced: false,
    });
  });

  it('checks the status before readiness', () => {
    expect(
      refusalCode(decideWorkTransition(stepInput({ current: current('IN_PROGRESS'), ready: false }))),
    ).toBe('STATUS');
  });
});

describe('done and open tasks', () => {
  const atWork = { action: 'done', current: current('IN_PROGRESS') } as const;

  it('refuses while tasks are open, naming them', () => {
    expect(
      decideWorkTransition(stepInput({ ...atWork, actor: TEAM_MEMBER, openTasks: ['TRT-1-2', 'TRT-1-5'] })),
    ).toEqual({
      ok: false,
      code: 'TASKS_OPEN',
      message: 'Step TRT-1 has tasks not DONE or CANCELLED: TRT-1-2, TRT-1-5. Only a pilot may force it.',
    });
  });

  it('names the first 20 of many open tasks and counts the rest', () => {
    const openTasks = Array.from({ length: 25 }, (_, i) => `TRT-1-${i + 1}`);
    const decision = decideWorkTransition(stepInput({ ...atWork, openTasks }));
    expect(decision).toEqual({
      ok: false,
      code: 'TASKS_OPEN',
      message: `Step TRT-1 has tasks not DONE or CANCELLED: ${openTasks.slice(0, 20).join(', ')} and 5 more. Repeat with force to override.`,
    });
  });

  it('lets a pilot force it', () => {
    expect(decideWorkTransition(stepInput({ ...atWork, force: true, openTasks: ['TRT-1-2'] }))).toEqual({
      ok: true,
      to: 'DONE',
      heldFrom: null,
      forced: true,
    });
  });

  it('refuses a team member who forces', () => {
    const decision = decideWorkTransition(
      stepInput({ ...atWork, force: true, actor: TEAM_MEMBER, openTasks: ['TRT-1-2'] }),
    );
    expect(refusalCode(decision)).toBe('FORCE_NOT_ALLOWED');
  });

  it('allows done when every task is finished', () => {
    expect(decideWorkTransition(stepInput({ ...atWork, actor: TEAM_MEMBER, openTasks: [] }))).toMatchObject({
      ok: true,
      to: 'DONE',
      forced: false,
    });
  });
});

describe('reopen and started successors', () => {
  it('refuses while a successor has left OPEN, naming it, even forced', () => {
    for (const force of [false, true]) {
      expect(
        decideWorkTransition(
          stepInput({
            action: 'reopen',
            current: current('DONE'),
            force,
            startedSuccessors: ['TRT-2', 'CHK-3'],
          }),
        ),
      ).toEqual({
        ok: false,
        code: 'SUCCESSORS_STARTED',
        message: 'Cannot reopen step TRT-1: its successors have already started: TRT-2, CHK-3.',
      });
    }
  });

  it('reopens when no successor has started', () => {
    expect(decideWorkTransition(stepInput({ action: 'reopen', current: current('CANCELLED') }))).toEqual({
      ok: true,
      to: 'IN_PROGRESS',
      heldFrom: null,
      forced: false,
    });
  });
});

describe('facts the engine must supply', () => {
  it.each([
    ['start', 'OPEN', 'ready'],
    ['done', 'IN_PROGRESS', 'openTasks'],
    ['reopen', 'DONE', 'startedSuccessors'],
  ] as const)('throws when %s of a step lacks %s', (action, from, fact) => {
    const input: WorkTransitionInput = {
      subject: { kind: 'step', id: 'TRT-1' },
      action,
      current: current(from),
      actor: PILOT,
      force: false,
      reason: null,
    };
    expect(() => decideWorkTransition(input)).toThrow(`needs the fact "${fact}"`);
  });

  it('throws when a task action lacks the step status', () => {
    expect(() => decideWorkTransition({ ...taskInput(), stepStatus: undefined })).toThrow(
      'decideWorkTransition: start of task TRT-1-2 needs the fact "stepStatus"',
    );
  });

  it('does not ask for facts a refusal made unnecessary', () => {
    const input: WorkTransitionInput = {
      subject: { kind: 'step', id: 'TRT-1' },
      action: 'start',
      current: current('DONE'),
      actor: PILOT,
      force: false,
      reason: null,
    };
    expect(refusalCode(decideWorkTransition(input))).toBe('STATUS');
  });
});

describe('tasks', () => {
  it.each(ALL_COMBINATIONS)('follow the step table: $action from $from gives $to', ({ action, from, to }) => {
    const decision = decideWorkTransition(taskInput({ action, current: current(from) }));
    if (to === null) {
      expect(refusalCode(decision)).toBe('STATUS');
    } else {
      expect(decision).toEqual({ ok: true, to, heldFrom: action === 'hold' ? from : null, forced: false });
    }
  });

  it('ignore readiness, open tasks and successors', () => {
    expect(decideWorkTransition(taskInput({ action: 'start', ready: false }))).toMatchObject({ ok: true });
    expect(
      decideWorkTransition(taskInput({ action: 'done', current: current('IN_PROGRESS'), openTasks: ['x'] })),
    ).toMatchObject({ ok: true });
    expect(
      decideWorkTransition(
        taskInput({ action: 'reopen', current: current('DONE'), startedSuccessors: ['x'] }),
      ),
    ).toMatchObject({ ok: true });
  });

  it.each(
    WORK_STATUSES.filter((status) => status !== 'IN_PROGRESS').flatMap((stepStatus) =>
      ALL_COMBINATIONS.filter((row) => row.to !== null).map((row) => ({ ...row, stepStatus })),
    ),
  )('change only while their step is IN_PROGRESS: $action from $from, step $stepStatus', (row) => {
    const decision = decideWorkTransition(
      taskInput({ action: row.action, current: current(row.from), stepStatus: row.stepStatus }),
    );
    expect(refusalCode(decision)).toBe('STEP_NOT_IN_PROGRESS');
    const forced = decideWorkTransition(
      taskInput({ action: row.action, current: current(row.from), stepStatus: row.stepStatus, force: true }),
    );
    expect(forced).toEqual({
      ok: true,
      to: row.to,
      heldFrom: row.action === 'hold' ? row.from : null,
      forced: true,
    });
  });

  it('explain the step status rule', () => {
    expect(decideWorkTransition(taskInput({ actor: TEAM_MEMBER, stepStatus: 'OPEN' }))).toEqual({
      ok: false,
      code: 'STEP_NOT_IN_PROGRESS',
      message:
        'Task TRT-1-2 can change only while its step is IN_PROGRESS; the step is OPEN. Only a pilot may force it.',
    });
  });

  it('refuse a team member who forces past the step status', () => {
    const decision = decideWorkTransition(taskInput({ actor: TEAM_MEMBER, stepStatus: 'DONE', force: true }));
    expect(refusalCode(decision)).toBe('FORCE_NOT_ALLOWED');
  });

  it('let a team member act while the step is IN_PROGRESS', () => {
    expect(decideWorkTransition(taskInput({ actor: TEAM_MEMBER, action: 'start' }))).toEqual({
      ok: true,
      to: 'IN_PROGRESS',
      heldFrom: null,
      forced: false,
    });
  });
});

describe('availableWorkActions', () => {
  it('offers a pilot every action the status allows', () => {
    expect(availableWorkActions('OPEN', PILOT)).toEqual(['start', 'hold', 'cancel']);
    expect(availableWorkActions('IN_PROGRESS', PILOT)).toEqual(['done', 'fail', 'hold', 'cancel']);
    expect(availableWorkActions('ON_HOLD', PILOT)).toEqual(['resume', 'cancel']);
    expect(availableWorkActions('DONE', PILOT)).toEqual(['reopen']);
  });

  it('offers a team member only the team actions', () => {
    expect(availableWorkActions('IN_PROGRESS', TEAM_MEMBER)).toEqual(['done', 'fail']);
    expect(availableWorkActions('FAILED', TEAM_MEMBER)).toEqual(['retry']);
    expect(availableWorkActions('DONE', TEAM_MEMBER)).toEqual([]);
  });

  it('offers an outsider nothing', () => {
    for (const status of WORK_STATUSES) expect(availableWorkActions(status, OUTSIDER)).toEqual([]);
  });
});

describe('controls', () => {
  const EXPECTED_CONTROL_TABLE: Record<ControlAction, Partial<Record<ControlResult, ControlResult>>> = {
    pass: { OPEN: 'PASSED', FAILED: 'PASSED' },
    fail: { OPEN: 'FAILED', PASSED: 'FAILED' },
    // A confirmation keeps the result it confirms.
    confirm: { PASSED: 'PASSED', FAILED: 'FAILED' },
    cancel: { OPEN: 'CANCELLED', PASSED: 'CANCELLED', FAILED: 'CANCELLED' },
    reopen: { PASSED: 'OPEN', FAILED: 'OPEN', CANCELLED: 'OPEN' },
  };
  const CONTROL_COMBINATIONS = CONTROL_ACTIONS.flatMap((action) =>
    CONTROL_RESULTS.map((from) => ({ action, from, to: EXPECTED_CONTROL_TABLE[action][from] ?? null })),
  );
  const CONTROL_PILOT = { isPilot: true, isProducer: false, isValidator: false };
  const PRODUCER = { isPilot: false, isProducer: true, isValidator: false };
  const VALIDATOR = { isPilot: false, isProducer: false, isValidator: true };
  const NOBODY = { isPilot: false, isProducer: false, isValidator: false };

  function controlInput(overrides: Partial<ControlTransitionInput> = {}): ControlTransitionInput {
    return {
      control: 'C0042-b',
      action: 'pass',
      current: 'OPEN',
      actor: CONTROL_PILOT,
      reason: 'why',
      ...overrides,
    };
  }

  it.each(CONTROL_COMBINATIONS)('pilot: $action from $from gives $to', ({ action, from, to }) => {
    const decision = decideControlTransition(controlInput({ action, current: from }));
    expect(decision).toEqual(
      to === null ? expect.objectContaining({ ok: false, code: 'STATUS' }) : { ok: true, to },
    );
    expect(controlActionTarget(action, from)).toBe(to);
  });

  it.each([
    ['producer', PRODUCER, ['pass', 'fail', 'reopen']],
    ['validator', VALIDATOR, ['pass', 'fail', 'confirm']],
    ['nobody', NOBODY, []],
  ] as const)('the %s may %j and nothing else', (_, actor, allowed) => {
    for (const { action, from, to } of CONTROL_COMBINATIONS.filter((row) => row.to !== null)) {
      const decision = decideControlTransition(controlInput({ action, current: from, actor }));
      const mayAct = (allowed as readonly ControlAction[]).includes(action);
      expect(decision).toEqual(
        mayAct ? { ok: true, to } : expect.objectContaining({ ok: false, code: 'ROLE' }),
      );
    }
  });

  it('says who may act', () => {
    expect(decideControlTransition(controlInput({ action: 'pass', actor: NOBODY }))).toEqual({
      ok: false,
      code: 'ROLE',
      message: 'Only the producer team, the validator team or a pilot may pass control C0042-b.',
    });
    expect(
      decideControlTransition(controlInput({ action: 'reopen', current: 'PASSED', actor: VALIDATOR })),
    ).toEqual({
      ok: false,
      code: 'ROLE',
      message: 'Only the producer team or a pilot may reopen control C0042-b.',
    });
    expect(decideControlTransition(controlInput({ action: 'cancel', actor: PRODUCER }))).toEqual({
      ok: false,
      code: 'ROLE',
      message: 'Only a pilot may cancel control C0042-b.',
    });
  });

  it('explains a status refusal', () => {
    expect(decideControlTransition(controlInput({ action: 'pass', current: 'PASSED' }))).toEqual({
      ok: false,
      code: 'STATUS',
      message: 'Cannot pass control C0042-b: it is PASSED and must be OPEN or FAILED.',
    });
  });

  it('requires a reason to cancel, and only to cancel', () => {
    for (const reason of [null, '', ' ']) {
      expect(decideControlTransition(controlInput({ action: 'cancel', reason }))).toEqual({
        ok: false,
        code: 'REASON_REQUIRED',
        message: 'A reason is required to cancel control C0042-b.',
      });
      expect(decideControlTransition(controlInput({ action: 'pass', reason, actor: VALIDATOR }))).toEqual({
        ok: true,
        to: 'PASSED',
      });
      expect(decideControlTransition(controlInput({ action: 'fail', reason, actor: PRODUCER }))).toEqual({
        ok: true,
        to: 'FAILED',
      });
    }
  });

  it('checks role, then status, then reason', () => {
    const refused = (overrides: Partial<ControlTransitionInput>): string => {
      const decision = decideControlTransition(controlInput(overrides));
      return decision.ok ? 'allowed' : decision.code;
    };
    expect(refused({ action: 'cancel', current: 'CANCELLED', reason: null, actor: PRODUCER })).toBe('ROLE');
    expect(refused({ action: 'cancel', current: 'CANCELLED', reason: null })).toBe('STATUS');
    expect(refused({ action: 'cancel', current: 'OPEN', reason: null })).toBe('REASON_REQUIRED');
  });

  it('lets only the validator team or a pilot confirm, and tells a producer why not', () => {
    expect(
      decideControlTransition(controlInput({ action: 'confirm', current: 'PASSED', actor: PRODUCER })),
    ).toEqual({
      ok: false,
      code: 'ROLE',
      message:
        'Only the validator team or a pilot may confirm control C0042-b. The producer team does not confirm its own result.',
    });
    expect(
      decideControlTransition(controlInput({ action: 'confirm', current: 'FAILED', actor: VALIDATOR })),
    ).toEqual({ ok: true, to: 'FAILED' });
  });

  it('needs a PASSED or FAILED result to confirm', () => {
    for (const result of ['OPEN', 'CANCELLED'] as const) {
      expect(decideControlTransition(controlInput({ action: 'confirm', current: result }))).toEqual({
        ok: false,
        code: 'STATUS',
        message: `Cannot confirm control C0042-b: it is ${result} and must be PASSED or FAILED.`,
      });
    }
  });

  it('refuses to confirm a result the actor set, unless one team produces and validates, or a pilot', () => {
    const both = { isPilot: false, isProducer: true, isValidator: true };
    const ownResult = { action: 'confirm', current: 'PASSED', actor: both, setByActor: true } as const;
    expect(decideControlTransition(controlInput({ ...ownResult, sameTeam: false }))).toEqual({
      ok: false,
      code: 'OWN_RESULT',
      message:
        'Cannot confirm control C0042-b: you set its result yourself; another member of the validator team or a pilot confirms it.',
    });
    expect(decideControlTransition(controlInput({ ...ownResult, sameTeam: true }))).toEqual({
      ok: true,
      to: 'PASSED',
    });
    expect(
      decideControlTransition(controlInput({ ...ownResult, actor: CONTROL_PILOT, sameTeam: false })),
    ).toEqual({ ok: true, to: 'PASSED' });
    expect(decideControlTransition(controlInput({ ...ownResult, setByActor: false }))).toEqual({
      ok: true,
      to: 'PASSED',
    });
  });

  it('offers the actions of the role and result, confirm only while unconfirmed', () => {
    expect(availableControlActions('OPEN', false, PRODUCER)).toEqual(['pass', 'fail']);
    expect(availableControlActions('PASSED', false, PRODUCER)).toEqual(['fail', 'reopen']);
    expect(availableControlActions('PASSED', false, VALIDATOR)).toEqual(['fail', 'confirm']);
    expect(availableControlActions('PASSED', true, VALIDATOR)).toEqual(['fail']);
    expect(availableControlActions('FAILED', false, CONTROL_PILOT)).toEqual([
      'pass',
      'confirm',
      'cancel',
      'reopen',
    ]);
    for (const result of CONTROL_RESULTS) expect(availableControlActions(result, false, NOBODY)).toEqual([]);
  });
});

describe('done on a go/no-go step and the controls of its phase', () => {
  const phaseControls = {
    phase: 'Migration',
    controls: [
      { id: 'C0001-a', result: 'PASSED' },
      { id: 'C0002-a', result: 'OPEN' },
      { id: 'C0003-a', result: 'FAILED' },
      { id: 'C0004-a', result: 'CANCELLED' },
    ] as const,
  };
  const done = (overrides: Partial<WorkTransitionInput>) =>
    decideWorkTransition(
      stepInput({
        subject: { kind: 'step', id: 'IGO-15' },
        action: 'done',
        current: { status: 'IN_PROGRESS', heldFrom: null },
        phaseControls,
        ...overrides,
      }),
    );

  it('refuses while a control is OPEN or FAILED, naming them', () => {
    expect(done({ actor: PILOT })).toEqual({
      ok: false,
      code: 'CONTROLS_NOT_PASSED',
      message:
        'Step IGO-15 is a go/no-go step and controls of phase Migration are not passed: C0002-a OPEN, C0003-a FAILED. ' +
        'Repeat with the acknowledgement to mark it done anyway; the open controls are recorded.',
    });
    expect(done({ actor: TEAM_MEMBER })).toEqual({
      ok: false,
      code: 'CONTROLS_NOT_PASSED',
      message:
        'Step IGO-15 is a go/no-go step and controls of phase Migration are not passed: C0002-a OPEN, C0003-a FAILED. ' +
        'Only a pilot may mark it done anyway.',
    });
  });

  it("applies a pilot's acknowledgement and returns the controls acknowledged", () => {
    expect(done({ actor: PILOT, acknowledgeControls: true })).toEqual({
      ok: true,
      to: 'DONE',
      heldFrom: null,
      forced: false,
      acknowledgedControls: [
        { id: 'C0002-a', result: 'OPEN' },
        { id: 'C0003-a', result: 'FAILED' },
      ],
    });
  });

  it("does not take a team member's acknowledgement", () => {
    const decision = done({ actor: TEAM_MEMBER, acknowledgeControls: true });
    expect(decision.ok ? 'applied' : decision.code).toBe('CONTROLS_NOT_PASSED');
  });

  it('lets the step be done when every control passed or was cancelled', () => {
    const passed = { phase: 'Migration', controls: [{ id: 'C0001-a', result: 'PASSED' as const }] };
    expect(done({ actor: TEAM_MEMBER, phaseControls: passed })).toEqual({
      ok: true,
      to: 'DONE',
      heldFrom: null,
      forced: false,
    });
  });

  it('checks open tasks before the controls', () => {
    const decision = done({ actor: PILOT, openTasks: ['IGO-15-1'], acknowledgeControls: true });
    expect(decision.ok ? 'applied' : decision.code).toBe('TASKS_OPEN');
    const forced = done({ actor: PILOT, openTasks: ['IGO-15-1'], force: true });
    expect(forced.ok ? 'applied' : forced.code).toBe('CONTROLS_NOT_PASSED');
  });
});
