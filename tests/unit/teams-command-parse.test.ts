/**
 * The chat command parser, command by command: every accepted form and every error form, with the
 * exact object (and message) the bot gets.
 */
import { describe, expect, it } from 'vitest';
import {
  parseChatCommand,
  type ChatAction,
  type ParsedChatCommand,
} from '../../src/teams/commands/parse-command.js';
import { stripBotMention } from '../../src/teams/commands/strip-mention.js';

const REGISTERED_TYPES = new Set(['TRT', 'PRE', 'BUS', 'IGO', 'BGO', 'DUM', 'SYS', 'CHK', 'GON']);
const isRegistered = (type: string): boolean => REGISTERED_TYPES.has(type);
const parse = (text: string): ParsedChatCommand => parseChatCommand(text, isRegistered);

function act(
  action: ChatAction,
  ids: string[],
  options: { reason?: string; whatIf?: boolean; force?: boolean } = {},
): ParsedChatCommand {
  return {
    kind: 'act',
    action,
    ids,
    reason: options.reason ?? null,
    whatIf: options.whatIf ?? false,
    force: options.force ?? false,
  };
}

function invalid(message: string, extra: { suggestion?: string; badId?: string } = {}): ParsedChatCommand {
  return { kind: 'invalid', message, ...extra };
}

type Row = [input: string, expected: ParsedChatCommand];

describe('the shared Teams fixtures', () => {
  // `../shared/fixtures/teams/channel-command.json`: the text and the bot's mention entity.
  const channelActivity = {
    text: '<at>Runsheet</at> hold TRT-12345a waiting for DBA sign-off\n',
    entities: [
      {
        type: 'mention',
        text: '<at>Runsheet</at>',
        mentioned: { id: '28:11111111-2222-4333-8444-555555555555', name: 'Runsheet' },
      },
      { type: 'clientInfo', locale: 'en-GB' },
    ],
  };

  it('reads the channel command as a hold of TRT-12345a with its reason', () => {
    const mentions = channelActivity.entities.flatMap((entity) =>
      entity.type === 'mention' && entity.text !== undefined ? [entity.text] : [],
    );
    const command = stripBotMention(channelActivity.text, mentions);
    expect(command).toBe('hold TRT-12345a waiting for DBA sign-off');
    expect(parse(command)).toEqual(act('hold', ['TRT-12345a'], { reason: 'waiting for DBA sign-off' }));
  });

  it('reads the personal command (no mention) as a resume of TRT-12345a', () => {
    expect(parse(stripBotMention('resume trt-12345A', []))).toEqual(act('resume', ['TRT-12345a']));
  });
});

describe('help', () => {
  it.each<Row>([
    ['help', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
    ['Help?', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['commands', { kind: 'help' }],
    ['help hold', { kind: 'help' }],
    ['/help', { kind: 'help' }],
    ['@Runsheet help', { kind: 'help' }],
    ['', { kind: 'help' }],
    ['   \n ', { kind: 'help' }],
  ])('%j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });
});

describe('status', () => {
  it.each<Row>([
    ['status TRT-1', { kind: 'status', ids: ['TRT-1'] }],
    ['Status trt-0123A, C0042-B, trt 5a-3', { kind: 'status', ids: ['TRT-123a', 'C0042-b', 'TRT-5a-3'] }],
    ['TRT-12345a', { kind: 'status', ids: ['TRT-12345a'] }],
    ['trt 7', { kind: 'status', ids: ['TRT-7'] }],
    ['status TRT-1?', { kind: 'status', ids: ['TRT-1'] }],
    ['XYZ-1', invalid('"XYZ-1" has step type XYZ, which is not registered', { badId: 'XYZ-1' })],
    ['status', invalid('status needs a step, task or control id: status TRT-123')],
    ['status TRT-1 now', invalid('status takes only ids, and "now" is not one: status TRT-1')],
    ['status TRT-1 force', invalid('status takes only ids, and "force" is not one: status TRT-1')],
    [
      'status XYZ-1',
      invalid('status: "XYZ-1" has step type XYZ, which is not registered', { badId: 'XYZ-1' }),
    ],
    [
      'status C0042',
      invalid('status: "C0042" is not a control id (expected C, 4 digits, -, letters, e.g. C0042-b)', {
        badId: 'C0042',
      }),
    ],
  ])('%j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });
});

describe('start, done, retry, resume: one or more steps or tasks', () => {
  it.each<Row>([
    ['start TRT-1', act('start', ['TRT-1'])],
    ['start TRT-1 TRT-2, trt3', act('start', ['TRT-1', 'TRT-2', 'TRT-3'])],
    ['START trt123a', act('start', ['TRT-123a'])],
    ['start TRT 123a', act('start', ['TRT-123a'])],
    ['start trt-0123A', act('start', ['TRT-123a'])],
    ['start TRT 1, TRT 2', act('start', ['TRT-1', 'TRT-2'])],
    ['start TRT-1;TRT-2', act('start', ['TRT-1', 'TRT-2'])],
    ['start TRT-1, TRT-1, trt1', act('start', ['TRT-1'])],
    ['start (TRT-1), "TRT-2".', act('start', ['TRT-1', 'TRT-2'])],
    ['start TRT-1-3 TRT-1', act('start', ['TRT-1-3', 'TRT-1'])],
    ['begin TRT-1', act('start', ['TRT-1'])],
    ['start: TRT-1', act('start', ['TRT-1'])],
    ['start TRT-1 force', act('start', ['TRT-1'], { force: true })],
    ['start force TRT-1', act('start', ['TRT-1'], { force: true })],
    ['start TRT-1 force TRT-2', act('start', ['TRT-1', 'TRT-2'], { force: true })],
    ['force start TRT-1', act('start', ['TRT-1'], { force: true })],
    ['start TRT-1 FORCE', act('start', ['TRT-1'], { force: true })],
    ['done TRT-1 TRT-2', act('done', ['TRT-1', 'TRT-2'])],
    ['complete TRT-1', act('done', ['TRT-1'])],
    ['Finish TRT-1', act('done', ['TRT-1'])],
    ['done TRT-1 --force', act('done', ['TRT-1'], { force: true })],
    ['done --force TRT-1', act('done', ['TRT-1'], { force: true })],
    ['done TRT-1 —force', act('done', ['TRT-1'], { force: true })],
    ['done TRT-1 TRT-2?', act('done', ['TRT-1', 'TRT-2'], { whatIf: true })],
    ['retry TRT-1, TRT-2', act('retry', ['TRT-1', 'TRT-2'])],
    ['resume TRT-1 TRT-2-7', act('resume', ['TRT-1', 'TRT-2-7'])],
    ['unhold TRT-1', act('resume', ['TRT-1'])],
    ['@Runsheet resume TRT-1', act('resume', ['TRT-1'])],
  ])('%j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  it.each<Row>([
    ['start', invalid('start needs a step or task id: start TRT-123')],
    ['done --force', invalid('done needs a step or task id: done TRT-123')],
    [
      'start please TRT-1',
      invalid('start needs a step or task id first, and "please" is not one: start TRT-123'),
    ],
    ['done TRT-1 now', invalid('done takes only ids, and "now" is not one: done TRT-1')],
    ['done TRT-1 TRT-2 now', invalid('done takes only ids, and "now" is not one: done TRT-1 TRT-2')],
    [
      'done TRT-1 TRT-2 TRT-3 TRT-4 TRT-5 TRT-6 TRT-7 now',
      invalid('done takes only ids, and "now" is not one: done TRT-1 TRT-2 TRT-3 TRT-4 TRT-5 …'),
    ],
    ['start TRT-1 force now', invalid('start takes only ids, and "now" is not one: start TRT-1')],
    [
      'start xyz-12',
      invalid('start: "xyz-12" has step type XYZ, which is not registered', { badId: 'xyz-12' }),
    ],
    [
      'done TRT-1 TRT-2 XYZ-3',
      invalid('done: "XYZ-3" has step type XYZ, which is not registered', { badId: 'XYZ-3' }),
    ],
    ['start TRT 0', invalid('start: "TRT 0" has step number 0; it must be 1 or more', { badId: 'TRT 0' })],
    [
      'start TRT-1-1001',
      invalid('start: "TRT-1-1001" has task number 1001; it must be 1 to 1000', { badId: 'TRT-1-1001' }),
    ],
    [
      'start 12345',
      invalid('start: "12345" is not a step id (expected TYPE-number[letter], e.g. TRT-12345a)', {
        badId: '12345',
      }),
    ],
    [
      'done C0042-b',
      invalid(
        'done works on steps and tasks, and C0042-b is a control: pass C0042-b, or fail C0042-b [note]',
        {
          suggestion: 'pass C0042-b',
        },
      ),
    ],
    [
      'start TRT-1 C0042-b',
      invalid(
        'start works on steps and tasks, and C0042-b is a control: pass C0042-b, or fail C0042-b [note]',
      ),
    ],
  ])('refuses %j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  it('quotes a long bad id cut short', () => {
    const longId = `TRT-${'1'.repeat(60)}`;
    expect(parse(`start ${longId}`)).toEqual(
      invalid(`start: "${longId.slice(0, 40)}…" is not a step, task or control id`, { badId: longId }),
    );
  });
});

describe('fail: one id and a reason (a note, optional, for a control)', () => {
  it.each<Row>([
    ['fail TRT-1 disk full', act('fail', ['TRT-1'], { reason: 'disk full' })],
    ['FAIL trt1-2 disk full', act('fail', ['TRT-1-2'], { reason: 'disk full' })],
    ['fail TRT-1-2 ORA-00600 on load', act('fail', ['TRT-1-2'], { reason: 'ORA-00600 on load' })],
    ['fail TRT-1: TRT-2 broke it', act('fail', ['TRT-1'], { reason: 'TRT-2 broke it' })],
    ['fail TRT-1 : TRT-2 broke it', act('fail', ['TRT-1'], { reason: 'TRT-2 broke it' })],
    ['fail TRT-1 force majeure', act('fail', ['TRT-1'], { reason: 'force majeure' })],
    ['fail TRT-1 --force disk full', act('fail', ['TRT-1'], { reason: 'disk full', force: true })],
    ['fail TRT-1 disk full --force', act('fail', ['TRT-1'], { reason: 'disk full', force: true })],
    ['fail TRT-1 disk full, again', act('fail', ['TRT-1'], { reason: 'disk full, again' })],
    [
      'fail TRT-1 why is the disk full?',
      act('fail', ['TRT-1'], { reason: 'why is the disk full', whatIf: true }),
    ],
    ['fail C0042-b', act('fail', ['C0042-b'])],
    ['fail c0042B totals differ by 3', act('fail', ['C0042-b'], { reason: 'totals differ by 3' })],
  ])('%j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  it.each<Row>([
    ['fail TRT-123', invalid('fail needs a reason: fail TRT-123 <reason>')],
    ['fail TRT-123?', invalid('fail needs a reason: fail TRT-123 <reason>')],
    ['fail TRT-1 --force', invalid('fail needs a reason: fail TRT-1 <reason>')],
    ['fail', invalid('fail needs a step, task or control id: fail TRT-123 <reason>')],
    [
      'fail TRT-1 TRT-2 broke',
      invalid('fail takes one id at a time, not TRT-1 and TRT-2: fail TRT-1 <reason>'),
    ],
    [
      'fail C0042-b C0043-a',
      invalid('fail takes one id at a time, not C0042-b and C0043-a: fail C0042-b [note]'),
    ],
    [
      'fail because TRT-1 broke',
      invalid('fail needs a step, task or control id first, and "because" is not one: fail TRT-123 <reason>'),
    ],
  ])('refuses %j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });
});

describe('hold: one or more steps or tasks, reason optional', () => {
  it.each<Row>([
    ['hold TRT-1', act('hold', ['TRT-1'])],
    ['hold TRT-1, TRT-2 waiting for DBA', act('hold', ['TRT-1', 'TRT-2'], { reason: 'waiting for DBA' })],
    ['hold TRT 123a, trt 124 waiting', act('hold', ['TRT-123a', 'TRT-124'], { reason: 'waiting' })],
    ['hold TRT-1 - "waiting for DBA"', act('hold', ['TRT-1'], { reason: 'waiting for DBA' })],
    ['hold TRT-1: “waiting”', act('hold', ['TRT-1'], { reason: 'waiting' })],
    ['hold TRT-1 -5 rows in the ledger', act('hold', ['TRT-1'], { reason: '-5 rows in the ledger' })],
    ['hold TRT-1 ETA 5 min', act('hold', ['TRT-1'], { reason: 'ETA 5 min' })],
    ['hold TRT-1: TRX-2', act('hold', ['TRT-1'], { reason: 'TRX-2' })],
    ['hold TRT-123?', act('hold', ['TRT-123'], { whatIf: true })],
    ['hold TRT-123 ?', act('hold', ['TRT-123'], { whatIf: true })],
    ['hold? TRT-123', act('hold', ['TRT-123'], { whatIf: true })],
    ['hold TRT-1 why is this late?', act('hold', ['TRT-1'], { reason: 'why is this late', whatIf: true })],
  ])('%j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  it.each<Row>([
    ['hold', invalid('hold needs a step or task id: hold TRT-123 [reason]')],
    [
      'hold please TRT-1',
      invalid('hold needs a step or task id first, and "please" is not one: hold TRT-123 [reason]'),
    ],
    // Only id-like words after the ids: a mistyped id, not a reason.
    [
      'hold TRT-1 TRX-2',
      invalid('hold: "TRX-2" has step type TRX, which is not registered', { badId: 'TRX-2' }),
    ],
    [
      'hold TRT-1 C0042-b',
      invalid(
        'hold works on steps and tasks, and C0042-b is a control: pass C0042-b, or fail C0042-b [note]',
      ),
    ],
  ])('refuses %j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });
});

describe('cancel, reopen, pass: one id', () => {
  it.each<Row>([
    ['cancel TRT-1 not needed in DR1', act('cancel', ['TRT-1'], { reason: 'not needed in DR1' })],
    ['cancel C0042-b obsolete', act('cancel', ['C0042-b'], { reason: 'obsolete' })],
    ['reopen TRT-1', act('reopen', ['TRT-1'])],
    ['reopen TRT-1-4', act('reopen', ['TRT-1-4'])],
    ['reopen C0042-b', act('reopen', ['C0042-b'])],
    ['reopen TRT-1 force', act('reopen', ['TRT-1'], { force: true })],
    ['pass C0042-b', act('pass', ['C0042-b'])],
    ['pass C0042-b totals match', act('pass', ['C0042-b'], { reason: 'totals match' })],
  ])('%j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  it.each<Row>([
    ['cancel TRT-1', invalid('cancel needs a reason: cancel TRT-1 <reason>')],
    ['cancel C0042-b', invalid('cancel needs a reason: cancel C0042-b <reason>')],
    ['cancel', invalid('cancel needs a step, task or control id: cancel TRT-123 <reason>')],
    ['reopen', invalid('reopen needs a step, task or control id: reopen TRT-123')],
    ['reopen TRT-1 TRT-2', invalid('reopen takes one id at a time, not TRT-1 and TRT-2: reopen TRT-1')],
    ['reopen TRT-1 because', invalid('reopen takes only ids, and "because" is not one: reopen TRT-1')],
    ['pass', invalid('pass needs a control id: pass C0042-b [note]')],
    [
      'pass TRT-1',
      invalid('pass works on controls, and TRT-1 is a step: done TRT-1', { suggestion: 'done TRT-1' }),
    ],
    [
      'pass TRT-1-2',
      invalid('pass works on controls, and TRT-1-2 is a task: done TRT-1-2', { suggestion: 'done TRT-1-2' }),
    ],
    [
      'pass C0042',
      invalid('pass: "C0042" is not a control id (expected C, 4 digits, -, letters, e.g. C0042-b)', {
        badId: 'C0042',
      }),
    ],
  ])('refuses %j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });
});

describe('confirm: one control, note optional; done … anyway', () => {
  it.each<Row>([
    ['confirm C0042-b', act('confirm', ['C0042-b'])],
    [
      'confirm c42b row counts re-checked',
      invalid('confirm: "c42b" is not a control id (expected C, 4 digits, -, letters, e.g. C0042-b)', {
        badId: 'c42b',
      }),
    ],
    [
      'Confirm c0042B: row counts re-checked',
      act('confirm', ['C0042-b'], { reason: 'row counts re-checked' }),
    ],
    ['confirm', invalid('confirm needs a control id: confirm C0042-b [note]')],
    ['confirm TRT-1', invalid('confirm works on controls, and TRT-1 is a step: confirm C0042-b [note]')],
    [
      'confirm C0042-b C0043-a',
      invalid('confirm takes one id at a time, not C0042-b and C0043-a: confirm C0042-b [note]'),
    ],
  ])('reads %j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  it('reads `anyway` after the ids of done as the acknowledgement of open controls', () => {
    expect(parse('done IGO-15 anyway')).toEqual({ ...act('done', ['IGO-15']), acknowledgeControls: true });
    expect(parse('done igo15 anyway --force')).toEqual({
      ...act('done', ['IGO-15'], { force: true }),
      acknowledgeControls: true,
    });
    expect(parse('done IGO-15')).toEqual(act('done', ['IGO-15']));
    // Only done takes it, and only after an id.
    expect(parse('done anyway IGO-15')).toMatchObject({ kind: 'invalid' });
    expect(parse('start IGO-15 anyway')).toMatchObject({ kind: 'invalid' });
  });
});

describe('activate: one or more steps', () => {
  it.each<Row>([
    ['activate TRT-1', { kind: 'activate', ids: ['TRT-1'] }],
    ['Activate trt1, TRT-2', { kind: 'activate', ids: ['TRT-1', 'TRT-2'] }],
    ['activate', invalid('activate needs a step id: activate TRT-123')],
    [
      'activate TRT-1-2',
      invalid('activate works on steps, and TRT-1-2 is a task: activate TRT-1', {
        suggestion: 'activate TRT-1',
      }),
    ],
    ['activate C0042-b', invalid('activate works on steps, and C0042-b is a control: activate TRT-123')],
    ['activate TRT-1 now', invalid('activate takes only ids, and "now" is not one: activate TRT-1')],
  ])('%j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });
});

describe('ready, late, iteration, link, unlink', () => {
  it.each<Row>([
    ['ready', { kind: 'ready', team: null }],
    ['ready Engine', { kind: 'ready', team: 'Engine' }],
    ['READY client static data', { kind: 'ready', team: 'client static data' }],
    ['late', { kind: 'late' }],
    ['late?', { kind: 'late' }],
    ['iteration', { kind: 'iteration', name: null }],
    ['iteration DR1', { kind: 'iteration', name: 'DR1' }],
    ['Iteration run1', { kind: 'iteration', name: 'run1' }],
    ['link Engine', { kind: 'link', target: 'Engine' }],
    ['link pilots', { kind: 'link', target: 'pilots' }],
    ['link Pilots', { kind: 'link', target: 'Pilots' }],
    ['link "Client Static Data"', { kind: 'link', target: 'Client Static Data' }],
    ['unlink', { kind: 'unlink' }],
  ])('%j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  it.each<Row>([
    ['late today', invalid('late takes no arguments, not "today": late', { suggestion: 'late' })],
    ['unlink Engine', invalid('unlink takes no arguments, not "Engine": unlink', { suggestion: 'unlink' })],
    ['link', invalid('link needs a team name or pilots: link Engine, or link pilots')],
    ['link ?', invalid('link needs a team name or pilots: link Engine, or link pilots')],
  ])('refuses %j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });
});

describe('unknown commands', () => {
  it.each<Row>([
    ['frobnicate TRT-1', { kind: 'unknown', input: 'frobnicate TRT-1' }],
    ['please start TRT-1', { kind: 'unknown', input: 'please start TRT-1' }],
    ['TRT-1 done', { kind: 'unknown', input: 'TRT-1 done' }],
    ['strat TRT-1', { kind: 'unknown', input: 'strat TRT-1', suggestion: 'start' }],
    ['hlep', { kind: 'unknown', input: 'hlep', suggestion: 'help' }],
    ['resme TRT-1', { kind: 'unknown', input: 'resme TRT-1', suggestion: 'resume' }],
    ['  frobnicate\n  now ', { kind: 'unknown', input: 'frobnicate now' }],
  ])('%j', (input, expected) => {
    expect(parse(input)).toEqual(expected);
  });
});

describe('registered step types', () => {
  it('asks the registry, with the type upper-cased', () => {
    const asked: string[] = [];
    const result = parseChatCommand('start abc-1', (type) => {
      asked.push(type);
      return type === 'ABC';
    });
    expect(result).toEqual(act('start', ['ABC-1']));
    expect(asked).toContain('ABC');
  });
});
