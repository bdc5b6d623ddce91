/**
 * The command list: one source for the parser's words, the help answer and the Teams manifest menu.
 */
import { describe, expect, it } from 'vitest';
import {
  allCommandWords,
  chatCommandInfo,
  COMMAND_LIST,
  findChatCommand,
  renderHelpText,
  type ChatCommandName,
} from '../../src/teams/commands/command-help.js';
import { parseChatCommand, type ParsedChatCommand } from '../../src/teams/commands/parse-command.js';

const isRegistered = (type: string): boolean => type === 'TRT';

// What each command's word parses to with a valid argument: proves every listed word is wired.
const SAMPLE_ARGUMENTS: Record<ChatCommandName, { args: string; kind: ParsedChatCommand['kind'] }> = {
  help: { args: '', kind: 'help' },
  status: { args: 'TRT-1', kind: 'status' },
  start: { args: 'TRT-1', kind: 'act' },
  done: { args: 'TRT-1', kind: 'act' },
  fail: { args: 'TRT-1 disk full', kind: 'act' },
  retry: { args: 'TRT-1', kind: 'act' },
  pass: { args: 'C0042-b', kind: 'act' },
  confirm: { args: 'C0042-b row counts checked', kind: 'act' },
  ready: { args: '', kind: 'ready' },
  late: { args: '', kind: 'late' },
  iteration: { args: '', kind: 'iteration' },
  hold: { args: 'TRT-1', kind: 'act' },
  resume: { args: 'TRT-1', kind: 'act' },
  cancel: { args: 'TRT-1 not needed', kind: 'act' },
  reopen: { args: 'TRT-1', kind: 'act' },
  activate: { args: 'TRT-1', kind: 'activate' },
  link: { args: 'Engine', kind: 'link' },
  unlink: { args: '', kind: 'unlink' },
  durations: { args: 'learned', kind: 'durations' },
};

describe('COMMAND_LIST', () => {
  it('lists every command once', () => {
    const names = COMMAND_LIST.map((command) => command.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(Object.keys(SAMPLE_ARGUMENTS).sort());
  });

  it('gives each word (name or synonym) to one command only', () => {
    const words = COMMAND_LIST.flatMap((command) => [command.name, ...command.aliases]);
    expect(new Set(words).size).toBe(words.length);
    expect(allCommandWords().sort()).toEqual([...words].sort());
    for (const word of words) expect(word).toBe(word.toLowerCase());
  });

  it.each(
    COMMAND_LIST.flatMap((command) => [command.name, ...command.aliases].map((word) => [word, command.name])),
  )('parses %j as the %s command', (word, name) => {
    const sample = SAMPLE_ARGUMENTS[name as ChatCommandName];
    const parsed = parseChatCommand(`${word} ${sample.args}`, isRegistered);
    expect(parsed.kind).toBe(sample.kind);
    if (parsed.kind === 'act') expect(parsed.action).toBe(name);
    expect(findChatCommand(word.toUpperCase())?.name).toBe(name);
  });

  it('fits the Teams manifest menu: at most 10 commands, titles ≤ 32 and descriptions ≤ 128 characters', () => {
    const menu = COMMAND_LIST.filter((command) => command.inManifest);
    expect(menu.length).toBeGreaterThan(0);
    expect(menu.length).toBeLessThanOrEqual(10);
    for (const command of COMMAND_LIST) {
      expect(command.name.length).toBeLessThanOrEqual(32);
      expect(command.description.length).toBeLessThanOrEqual(128);
      expect(command.description).toMatch(/^[A-Z].*\.$/);
    }
    // The menu is for everyone: a pilots' command there would invite refusals.
    expect(menu.filter((command) => command.pilotsOnly)).toEqual([]);
  });

  it('starts each usage with the command word', () => {
    for (const command of COMMAND_LIST) expect(command.usage.split(' ')[0]).toBe(command.name);
  });

  it('finds a command by name', () => {
    expect(chatCommandInfo('hold').pilotsOnly).toBe(true);
    expect(chatCommandInfo('start').aliases).toEqual(['begin']);
  });
});

describe('renderHelpText', () => {
  const holdLine = '- `hold ID… [reason]`: Put steps or tasks on hold, with an optional reason.';
  const doneLine =
    '- `done ID…` (or complete, finish): Mark steps or tasks done. Pilots: force past open tasks, anyway past open controls of a go/no-go step.';

  it('shows a team member the commands everyone may use', () => {
    const text = renderHelpText(false);
    expect(text.split('\n')[0]).toBe(
      '**Runsheet commands** (in a channel, mention @Runsheet first: `@Runsheet status TRT-12345a`)',
    );
    expect(text).toContain(doneLine);
    expect(text).toContain('- `help` (or commands): List the commands.');
    expect(text).not.toContain(holdLine);
    expect(text).not.toContain('**Pilots**');
    for (const command of COMMAND_LIST) {
      expect(text.includes(`\`${command.usage}\``)).toBe(!command.pilotsOnly);
    }
  });

  it('shows a pilot every command, pilots’ commands apart', () => {
    const text = renderHelpText(true);
    expect(text).toContain(doneLine);
    expect(text).toContain(`**Pilots**\n\n${holdLine}`);
    for (const command of COMMAND_LIST) expect(text).toContain(`\`${command.usage}\``);
  });

  it('explains how ids and reasons are written', () => {
    const lines = renderHelpText(false).split('\n');
    expect(lines.at(-2)).toBe(
      'IDs: steps `TRT-12345a`, tasks `TRT-12345a-3`, controls `C0042-b`. Case, dashes and leading zeros ' +
        'do not matter (`trt12345a`, `TRT 12345a`). Separate several IDs with spaces or commas.',
    );
    expect(lines.at(-1)).toBe(
      'A reason follows the IDs; when it starts with an ID, put a colon before it: `fail TRT-1: TRT-2 broke it`.',
    );
    // The example in the help answer does what it says.
    expect(parseChatCommand('fail TRT-1: TRT-2 broke it', isRegistered)).toMatchObject({
      kind: 'act',
      ids: ['TRT-1'],
      reason: 'TRT-2 broke it',
    });
  });
});
