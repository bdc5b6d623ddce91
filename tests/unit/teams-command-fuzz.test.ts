/**
 * The chat command parser against random input: whatever people (or their clipboards) send, the
 * bot has an answer. 10,000 messages mixing command words, ids in every form, garbage, Unicode,
 * HTML entities, mentions and very long strings; then a model check of well-formed commands.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAnyId } from '../../src/domain/ids.js';
import { CONTROL_ACTIONS, WORK_ACTIONS } from '../../src/domain/statuses.js';
import { allCommandWords, COMMAND_LIST } from '../../src/teams/commands/command-help.js';
import {
  parseChatCommand,
  PARSED_CHAT_COMMAND_KINDS,
  type ParsedChatCommand,
} from '../../src/teams/commands/parse-command.js';
import { stripBotMention } from '../../src/teams/commands/strip-mention.js';

const REGISTERED_TYPES = new Set(['TRT', 'PRE', 'BUS', 'IGO', 'BGO', 'DUM', 'SYS', 'CHK', 'GON']);
const isRegistered = (type: string): boolean => REGISTERED_TYPES.has(type);
const ACTIONS = new Set<string>([...WORK_ACTIONS, ...CONTROL_ACTIONS]);
const COMMAND_NAMES = new Set<string>(COMMAND_LIST.map((command) => command.name));
/** Messages quote inputs cut short, so a message stays short whatever was typed. */
const MAX_MESSAGE_LENGTH = 400;

const randomCase = (word: string): fc.Arbitrary<string> =>
  fc
    .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((upper) =>
      [...word].map((letter, index) => (upper[index] ? letter.toUpperCase() : letter)).join(''),
    );

const commandWord = fc.oneof(
  { arbitrary: fc.constantFrom(...allCommandWords()).chain(randomCase), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      '/help',
      '@Runsheet',
      'force',
      '--force',
      '—force',
      'strat',
      'frobnicate',
      'please',
    ),
    weight: 1,
  },
);

const stepId = fc
  .record({
    type: fc.constantFrom('TRT', 'trt', 'Chk', 'gon', 'XYZ', 'AB', 'ABCD', 'C'),
    separator: fc.constantFrom('-', ' ', '', '_', '--', ' - '),
    zeros: fc.constantFrom('', '0', '000'),
    number: fc.oneof(fc.nat({ max: 99_999 }), fc.constant(0), fc.constant(Number.MAX_SAFE_INTEGER)),
    suffix: fc.constantFrom('', 'a', 'A', 'zz'),
    task: fc.option(fc.oneof(fc.integer({ min: 0, max: 1_500 }), fc.constant(1_000)), { nil: undefined }),
  })
  .map(
    ({ type, separator, zeros, number, suffix, task }) =>
      `${type}${separator}${zeros}${number}${suffix}${task === undefined ? '' : `-${task}`}`,
  );

const controlId = fc
  .record({
    digits: fc.integer({ min: 0, max: 99_999 }),
    width: fc.constantFrom(1, 3, 4, 5),
    separator: fc.constantFrom('-', '', ' '),
    letters: fc.constantFrom('b', 'B', 'ab', '', '1'),
  })
  .map(
    ({ digits, width, separator, letters }) =>
      `C${String(digits).padStart(width, '0')}${separator}${letters}`,
  );

const wrapped = (inner: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom('', '(', '"', '“', '['),
      inner,
      fc.constantFrom('', ')', '.', ':', '?', '"', ',', '!'),
    )
    .map((parts) => parts.join(''));

const garbage = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(
    '&nbsp;',
    '&amp;',
    '&lt;at&gt;',
    '&#39;',
    '&#99999999;',
    '&#x1F600;',
    '<at>Runsheet</at>',
    '<at>',
    '</at>',
    '?',
    '??',
    ':',
    ',',
    ';',
    '-',
    '—',
    '"',
    '“”',
    '\u200b',
    '\u00a0',
    '\n',
    'please',
    'majeure',
    'ORA-00600',
    '👩‍💻',
  ),
);

const longText = fc.oneof(
  fc.string({ minLength: 1_000, maxLength: 5_000 }),
  fc.nat({ max: 3 }).map((which) => ['TRT-1 ', '?', '<at', '0'][which]!.repeat(20_000)),
  fc.constant(`TRT-${'0'.repeat(10_000)}1`),
  fc.constant(Array.from({ length: 3_000 }, (_, index) => `TRT-${index + 1}`).join(', ')),
);

const token = fc.oneof(
  { arbitrary: commandWord, weight: 4 },
  { arbitrary: wrapped(stepId), weight: 5 },
  { arbitrary: wrapped(controlId), weight: 2 },
  { arbitrary: garbage, weight: 4 },
);

const separator = fc.oneof(
  { arbitrary: fc.constant(' '), weight: 6 },
  { arbitrary: fc.constantFrom(', ', ',', '  ', '\n', '\t', ' ; ', '', '&nbsp;'), weight: 4 },
);

// Mostly a command word first, so that the arguments of every command get exercised.
const shortMessage = fc
  .tuple(
    fc.constantFrom('', '', '', '<at>Runsheet</at> ', '@Runsheet '),
    fc.oneof({ arbitrary: commandWord, weight: 5 }, { arbitrary: token, weight: 1 }),
    fc.array(fc.tuple(separator, token), { maxLength: 9 }),
    fc.constantFrom('', '?', ' ?', '??', '\n'),
  )
  .map(
    ([mention, first, rest, ending]) =>
      `${mention}${first} ${rest.map(([space, word]) => space + word).join('')}${ending}`,
  );

// One message in twenty carries a very long string, somewhere in a command.
const message = fc.oneof(
  { arbitrary: shortMessage, weight: 19 },
  { arbitrary: fc.tuple(shortMessage, longText, shortMessage).map((parts) => parts.join(' ')), weight: 1 },
);

function expectCanonicalIds(ids: unknown): void {
  expect(Array.isArray(ids)).toBe(true);
  const list = ids as string[];
  expect(list.length).toBeGreaterThan(0);
  expect(new Set(list).size).toBe(list.length);
  for (const id of list) {
    const reread = parseAnyId(id, isRegistered);
    expect(reread.ok && reread.id.canonical).toBe(id);
  }
}

function expectFreeText(text: string | null): void {
  if (text === null) return;
  expect(text.length).toBeGreaterThan(0);
  expect(text).toBe(text.trim());
}

/** The answer is one of the union's kinds, with every field the bot relies on filled in. */
function expectWellFormed(parsed: ParsedChatCommand): void {
  expect(PARSED_CHAT_COMMAND_KINDS).toContain(parsed.kind);
  switch (parsed.kind) {
    case 'status':
    case 'activate':
      expectCanonicalIds(parsed.ids);
      break;
    case 'act':
      expect(ACTIONS.has(parsed.action)).toBe(true);
      expectCanonicalIds(parsed.ids);
      expectFreeText(parsed.reason);
      expect(typeof parsed.whatIf).toBe('boolean');
      expect(typeof parsed.force).toBe('boolean');
      if (parsed.action === 'cancel') expect(parsed.reason).not.toBeNull();
      if (parsed.action === 'fail' && !parsed.ids[0]!.startsWith('C')) expect(parsed.reason).not.toBeNull();
      break;
    case 'ready':
      expectFreeText(parsed.team);
      break;
    case 'iteration':
      expectFreeText(parsed.name);
      break;
    case 'link':
      expect(parsed.target.length).toBeGreaterThan(0);
      break;
    case 'durations':
      expect([null, 'learned', 'indicative']).toContain(parsed.basis);
      break;
    case 'invalid':
      expect(parsed.message.trim().length).toBeGreaterThan(0);
      expect(parsed.message.length).toBeLessThan(MAX_MESSAGE_LENGTH);
      if (parsed.suggestion !== undefined) expect(parsed.suggestion.length).toBeGreaterThan(0);
      if (parsed.badId !== undefined) expect(parsed.badId.length).toBeGreaterThan(0);
      break;
    case 'unknown':
      expect(parsed.input.length).toBeGreaterThan(0);
      if (parsed.suggestion !== undefined) expect(COMMAND_NAMES.has(parsed.suggestion)).toBe(true);
      break;
    case 'help':
    case 'late':
    case 'unlink':
      expect(Object.keys(parsed)).toEqual(['kind']);
      break;
  }
}

describe('parseChatCommand on random input', () => {
  it('never throws and always answers with a well-formed command (10,000 messages)', () => {
    fc.assert(
      fc.property(message, (text) => {
        expectWellFormed(parseChatCommand(text, isRegistered));
        expectWellFormed(parseChatCommand(stripBotMention(text, ['<at>Runsheet</at>']), isRegistered));
      }),
      { numRuns: 10_000 },
    );
  });

  it('answers any string at all, even with a registry that refuses everything', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expectWellFormed(parseChatCommand(text, () => false));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('parseChatCommand on well-formed commands', () => {
  // Step ids written any of the forgiving ways, with the canonical id they stand for.
  const writtenStep = fc
    .record({
      type: fc.constantFrom('TRT', 'CHK', 'GON'),
      number: fc.integer({ min: 1, max: 99_999 }),
      suffix: fc.constantFrom('', 'a', 'b'),
      upperType: fc.boolean(),
      upperSuffix: fc.boolean(),
      separator: fc.constantFrom('-', ' ', ''),
      zeros: fc.constantFrom('', '0', '00'),
    })
    .map((parts) => ({
      written:
        (parts.upperType ? parts.type : parts.type.toLowerCase()) +
        parts.separator +
        parts.zeros +
        parts.number +
        (parts.upperSuffix ? parts.suffix.toUpperCase() : parts.suffix),
      canonical: `${parts.type}-${parts.number}${parts.suffix}`,
    }));
  const idList = fc.array(writtenStep, { minLength: 1, maxLength: 6 });
  const listSeparator = fc.constantFrom(' ', ', ', ',', ' , ');
  // Reason words that cannot be read as ids.
  const reason = fc
    .array(
      fc.constantFrom('waiting', 'for', 'DBA', 'sign-off', 'the', 'batch', 'is', 'late', 'R&D', '(again)'),
      {
        minLength: 1,
        maxLength: 8,
      },
    )
    .map((words) => words.join(' '));

  it('reads every id of start|done|retry|resume, in order, without repeats', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('start', 'done', 'retry', 'resume'),
        idList,
        listSeparator,
        (action, ids, between) => {
          const parsed = parseChatCommand(
            `${action} ${ids.map((id) => id.written).join(between)}`,
            isRegistered,
          );
          expect(parsed).toEqual({
            kind: 'act',
            action,
            ids: [...new Set(ids.map((id) => id.canonical))],
            reason: null,
            whatIf: false,
            force: false,
          });
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('splits hold ids from the reason, with or without a what-if', () => {
    fc.assert(
      fc.property(idList, listSeparator, reason, fc.boolean(), (ids, between, why, whatIf) => {
        const text = `hold ${ids.map((id) => id.written).join(between)} ${why}${whatIf ? '?' : ''}`;
        expect(parseChatCommand(text, isRegistered)).toEqual({
          kind: 'act',
          action: 'hold',
          ids: [...new Set(ids.map((id) => id.canonical))],
          reason: why,
          whatIf,
          force: false,
        });
      }),
      { numRuns: 1_000 },
    );
  });
});
