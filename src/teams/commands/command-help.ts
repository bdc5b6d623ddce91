/**
 * The chat commands of the bot, in one list: the parser reads command words and synonyms from it,
 * the help answer is rendered from it, and the Teams manifest's `commandLists` are generated from it,
 * so the three cannot drift apart.
 */

/** The command words the bot understands (synonyms resolve to one of these). */
export type ChatCommandName =
  | 'help'
  | 'status'
  | 'start'
  | 'done'
  | 'fail'
  | 'retry'
  | 'pass'
  | 'confirm'
  | 'ready'
  | 'late'
  | 'iteration'
  | 'hold'
  | 'resume'
  | 'cancel'
  | 'reopen'
  | 'activate'
  | 'link'
  | 'unlink'
  | 'durations';

/** One chat command, as shown in the help answer and the Teams command menu. */
export interface ChatCommandInfo {
  /** The command word; also the manifest command `title`, which Teams inserts when it is picked. */
  readonly name: ChatCommandName;
  /**
   * Other words read as this command, lower case. Kept few and unambiguous: each must mean exactly
   * one command to someone in the middle of a cutover.
   */
  readonly aliases: readonly string[];
  /**
   * The form of the command: `ID` is a step, task or control id, `ID…` one or more of them,
   * `<x>` is required, `[x]` optional. Error messages reuse it with the user's own ids.
   */
  readonly usage: string;
  /** One sentence; at most 128 characters, the manifest's limit for a command description. */
  readonly description: string;
  /** Only pilots may use it; the help answer shows it to pilots only. */
  readonly pilotsOnly: boolean;
  /**
   * Listed in the manifest's command menu. Teams shows at most 10 commands per menu, so the menu
   * holds what every user may type; pilots find their own commands with `help`.
   */
  readonly inManifest: boolean;
}

/** Every chat command, in the order the help answer lists them. */
export const COMMAND_LIST: readonly ChatCommandInfo[] = [
  {
    name: 'help',
    aliases: ['?', 'commands'],
    usage: 'help',
    description: 'List the commands.',
    pilotsOnly: false,
    inManifest: true,
  },
  {
    name: 'status',
    aliases: [],
    usage: 'status ID…',
    description: 'Show the status of steps, tasks or controls in the active iteration.',
    pilotsOnly: false,
    inManifest: true,
  },
  {
    name: 'start',
    aliases: ['begin'],
    usage: 'start ID…',
    description: 'Start steps or tasks. A pilot may add force to start a step that is not ready.',
    pilotsOnly: false,
    inManifest: true,
  },
  {
    name: 'done',
    aliases: ['complete', 'finish'],
    usage: 'done ID…',
    description:
      'Mark steps or tasks done. Pilots: force past open tasks, anyway past open controls of a go/no-go step.',
    pilotsOnly: false,
    inManifest: true,
  },
  {
    name: 'fail',
    aliases: [],
    usage: 'fail ID <reason>',
    description: 'Mark a step or task failed, with the reason. For a control: fail C0042-b [note].',
    pilotsOnly: false,
    inManifest: true,
  },
  {
    name: 'retry',
    aliases: [],
    usage: 'retry ID…',
    description: 'Restart failed steps or tasks.',
    pilotsOnly: false,
    inManifest: true,
  },
  {
    name: 'pass',
    aliases: [],
    usage: 'pass CONTROL [note]',
    description: 'Record that a control passed in the active iteration, with an optional note.',
    pilotsOnly: false,
    inManifest: true,
  },
  {
    name: 'confirm',
    aliases: [],
    usage: 'confirm CONTROL [note]',
    description: "Confirm a control's PASSED or FAILED result as its validator team, with an optional note.",
    pilotsOnly: false,
    inManifest: true,
  },
  {
    name: 'ready',
    aliases: [],
    usage: 'ready [TEAM]',
    description: 'List the steps ready to start in the active iteration, for every team or for one.',
    pilotsOnly: false,
    inManifest: true,
  },
  {
    name: 'late',
    aliases: [],
    usage: 'late',
    description: 'List the steps running late and the open alerts.',
    pilotsOnly: false,
    inManifest: true,
  },
  {
    name: 'iteration',
    aliases: [],
    usage: 'iteration [NAME]',
    description: 'Show the active iteration. A pilot names an iteration to activate it.',
    pilotsOnly: false,
    // The menu holds 10 commands; `confirm` took this place. `help` still lists it.
    inManifest: false,
  },
  {
    name: 'hold',
    aliases: [],
    usage: 'hold ID… [reason]',
    description: 'Put steps or tasks on hold, with an optional reason.',
    pilotsOnly: true,
    inManifest: false,
  },
  {
    name: 'resume',
    aliases: ['unhold'],
    usage: 'resume ID…',
    description: 'Resume held steps or tasks in the status they were in.',
    pilotsOnly: true,
    inManifest: false,
  },
  {
    name: 'cancel',
    aliases: [],
    usage: 'cancel ID <reason>',
    description: 'Cancel a step, task or control, with the reason.',
    pilotsOnly: true,
    inManifest: false,
  },
  {
    name: 'reopen',
    aliases: [],
    usage: 'reopen ID',
    description: 'Reopen a done or cancelled step or task, or a control result.',
    pilotsOnly: true,
    inManifest: false,
  },
  {
    name: 'activate',
    aliases: [],
    usage: 'activate ID…',
    description: 'Open the activation email of steps, to edit it and send it to their teams.',
    pilotsOnly: true,
    inManifest: false,
  },
  {
    name: 'durations',
    aliases: [],
    usage: 'durations [learned|indicative]',
    description:
      "Show or choose the durations of the active iteration's forecast: indicative, or learned from earlier ones.",
    pilotsOnly: true,
    inManifest: false,
  },
  {
    name: 'link',
    aliases: [],
    usage: 'link TEAM|pilots',
    description: "Post a plan team's step cards in this channel, or make it the pilots' channel.",
    pilotsOnly: true,
    inManifest: false,
  },
  {
    name: 'unlink',
    aliases: [],
    usage: 'unlink',
    description: "Remove this channel's link: no more step cards or pilots' posts here.",
    pilotsOnly: true,
    inManifest: false,
  },
];

const COMMANDS_BY_WORD: ReadonlyMap<string, ChatCommandInfo> = new Map(
  COMMAND_LIST.flatMap((command) =>
    [command.name, ...command.aliases].map((word) => [word, command] as const),
  ),
);

/** The command a word names (case-insensitive, synonyms included), or undefined. */
export function findChatCommand(word: string): ChatCommandInfo | undefined {
  return COMMANDS_BY_WORD.get(word.toLowerCase());
}

/** Every word the parser accepts as a command: names and synonyms, lower case. */
export function allCommandWords(): string[] {
  return [...COMMANDS_BY_WORD.keys()];
}

/** The command of a name; the list holds every name, which the tests check. */
export function chatCommandInfo(name: ChatCommandName): ChatCommandInfo {
  const command = COMMANDS_BY_WORD.get(name);
  if (!command) throw new Error(`COMMAND_LIST has no command named ${name}`);
  return command;
}

/**
 * The help answer as markdown lines (Teams renders bold, inline code and lists): the commands the
 * reader may use (pilots see all of them), then how ids may be written.
 */
export function renderHelpText(isPilot: boolean): string {
  const line = (command: ChatCommandInfo): string => {
    // `?` is an alias for people who type it by reflex; listing it would only clutter the line.
    const synonyms = command.aliases.filter((alias) => alias !== '?');
    const also = synonyms.length > 0 ? ` (or ${synonyms.join(', ')})` : '';
    return `- \`${command.usage}\`${also}: ${command.description}`;
  };
  const everyone = COMMAND_LIST.filter((command) => !command.pilotsOnly).map(line);
  const pilots = COMMAND_LIST.filter((command) => command.pilotsOnly).map(line);
  return [
    '**Runsheet commands** (in a channel, mention @Runsheet first: `@Runsheet status TRT-12345a`)',
    '',
    ...everyone,
    ...(isPilot ? ['', '**Pilots**', '', ...pilots] : []),
    '',
    'IDs: steps `TRT-12345a`, tasks `TRT-12345a-3`, controls `C0042-b`. Case, dashes and leading zeros ' +
      'do not matter (`trt12345a`, `TRT 12345a`). Separate several IDs with spaces or commas.',
    'A reason follows the IDs; when it starts with an ID, put a colon before it: `fail TRT-1: TRT-2 broke it`.',
  ].join('\n');
}
