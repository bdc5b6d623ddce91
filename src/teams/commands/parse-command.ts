/**
 * Reads a chat command (`hold TRT-12345a waiting for DBA sign-off`) into a typed request for the bot.
 * Pure: no Teams, no database. The bot strips its @mention first (`stripBotMention`), then calls
 * `parseChatCommand`, then acts on the result (an engine command, a query, a help answer).
 *
 * Input is forgiving, as people type commands under pressure at 3 a.m.:
 * - command words are case-insensitive, a few synonyms are accepted (see `COMMAND_LIST`), a leading
 *   `/` and a typed `@Runsheet` are ignored, and a bare id (`TRT-123`) asks for its status;
 * - ids are read as `parseAnyId` reads them (`trt123a`, `TRT 123a`, `trt-0123A` are `TRT-123a`),
 *   several ids are separated by spaces or commas, and wrapping punctuation (`(TRT-1)`, `TRT-1.`)
 *   is ignored;
 * - after the ids, the rest of the text is the reason (`hold TRT-1, TRT-2 waiting for DBA`). The
 *   ids end at the first word that is not a valid id, or at a colon (`fail TRT-1: TRT-2 broke it`),
 *   which is how a reason that starts with an id is written;
 * - `force` (or `--force`) sets the pilot's override: right after the command word, among the ids,
 *   or after the ids when no reason follows; after a reason only `--force` at the very end counts,
 *   so `fail TRT-1 force majeure` keeps its reason;
 * - a trailing `?` (`hold TRT-123?`) asks what the command would do without doing it (`whatIf`). A
 *   reason that ends in `?` therefore also reads as a what-if; that is the safe way to err.
 *
 * Anything else gets an answer that names what was wrong and shows the right form: a known command
 * with bad arguments is `invalid`, an unknown command word is `unknown` (the bot answers with help).
 */
import {
  parseAnyId,
  parseControlId,
  type IdKind,
  type IdResult,
  type ParsedId,
  type StepTypeRegistry,
} from '../../domain/ids.js';
import { isDurationBasis, type DurationBasis } from '../../domain/duration-basis.js';
import type { ControlAction, WorkAction } from '../../domain/statuses.js';
import { allCommandWords, chatCommandInfo, findChatCommand, type ChatCommandName } from './command-help.js';
import { editDistance } from './edit-distance.js';
import { collapseWhitespace } from './strip-mention.js';

/** What a chat command asks the engine to do to a step, task or control. */
export type ChatAction = WorkAction | ControlAction;

/** A state change of steps, tasks or controls: becomes one engine `Command` per id. */
export interface ActChatCommand {
  kind: 'act';
  action: ChatAction;
  /** Canonical ids, in the order typed, without repeats; never empty. */
  ids: string[];
  /** The reason or note as typed; null when none was given. */
  reason: string | null;
  /** A trailing `?`: show what would happen, change nothing. */
  whatIf: boolean;
  /** A pilot's override (`force`, `--force`); the engine refuses it to others. */
  force: boolean;
  /**
   * `done IGO-15 anyway`: a pilot marks a go/no-go step done over open or failed controls of its
   * phase (the engine's `acknowledgeControls`). Present only when given.
   */
  acknowledgeControls?: true;
}

/** A known command whose arguments are wrong; `message` names the input and shows the right form. */
export interface InvalidChatCommand {
  kind: 'invalid';
  message: string;
  /** A corrected command the user can send as is, when there is an obvious one (`pass C0042-b`). */
  suggestion?: string;
  /** The id-like input that is not a valid id, for the bot to suggest the nearest known ids. */
  badId?: string;
}

/** What a chat message asks for. */
export type ParsedChatCommand =
  | { kind: 'help' }
  | { kind: 'status'; ids: string[] }
  | ActChatCommand
  /** A pilot opens the activation email editor of these steps. */
  | { kind: 'activate'; ids: string[] }
  /** The ready steps, of one team (as typed) or of all. */
  | { kind: 'ready'; team: string | null }
  | { kind: 'late' }
  /** Show the active iteration, or (a pilot naming one, as typed) activate it. */
  | { kind: 'iteration'; name: string | null }
  /** Show the active iteration's forecast durations, or (a pilot) choose them. */
  | { kind: 'durations'; basis: DurationBasis | null }
  /** Link this channel to a team, or to the pilots: `target` is as typed, compare it case-insensitively. */
  | { kind: 'link'; target: string }
  | { kind: 'unlink' }
  | InvalidChatCommand
  /** Not a command word: `input` is the message (whitespace collapsed); `suggestion` a close command. */
  | { kind: 'unknown'; input: string; suggestion?: ChatCommandName };

const KINDS: Record<ParsedChatCommand['kind'], true> = {
  help: true,
  status: true,
  act: true,
  activate: true,
  ready: true,
  late: true,
  iteration: true,
  durations: true,
  link: true,
  unlink: true,
  invalid: true,
  unknown: true,
};

/** Every `kind` a parsed command can have (for exhaustive handling and tests). */
export const PARSED_CHAT_COMMAND_KINDS = Object.keys(KINDS) as ParsedChatCommand['kind'][];

/** The commands that change a step, task or control: their words are also engine actions. */
type ActCommandName = Extract<ChatCommandName, ChatAction>;

/** What a command accepts after its word. */
interface ArgumentRule {
  readonly kinds: readonly IdKind[];
  /** Several ids, or exactly one. */
  readonly several: boolean;
  /** `required-except-control`: `fail` needs a reason for a step or task, a control's note is optional. */
  readonly reason: 'none' | 'optional' | 'required' | 'required-except-control';
  readonly takesForce: boolean;
  /** Takes the word `anyway` (done: acknowledge open controls of a go/no-go step). */
  readonly takesAnyway?: boolean;
}

const WORK_ITEMS: readonly IdKind[] = ['step', 'task'];
const ANY_ITEM: readonly IdKind[] = ['step', 'task', 'control'];

// The forms of shared spec `domain.md` and issue 3. Single-id commands (fail, cancel, reopen, pass)
// are the ones whose effect is hard to take back or whose reason is about one item.
const ACT_RULES: Readonly<Record<ActCommandName, ArgumentRule>> = {
  start: { kinds: WORK_ITEMS, several: true, reason: 'none', takesForce: true },
  done: { kinds: WORK_ITEMS, several: true, reason: 'none', takesForce: true, takesAnyway: true },
  fail: { kinds: ANY_ITEM, several: false, reason: 'required-except-control', takesForce: true },
  retry: { kinds: WORK_ITEMS, several: true, reason: 'none', takesForce: true },
  hold: { kinds: WORK_ITEMS, several: true, reason: 'optional', takesForce: true },
  resume: { kinds: WORK_ITEMS, several: true, reason: 'none', takesForce: true },
  cancel: { kinds: ANY_ITEM, several: false, reason: 'required', takesForce: true },
  reopen: { kinds: ANY_ITEM, several: false, reason: 'none', takesForce: true },
  pass: { kinds: ['control'], several: false, reason: 'optional', takesForce: true },
  confirm: { kinds: ['control'], several: false, reason: 'optional', takesForce: false },
};
const STATUS_RULE: ArgumentRule = { kinds: ANY_ITEM, several: true, reason: 'none', takesForce: false };
const ACTIVATE_RULE: ArgumentRule = { kinds: ['step'], several: true, reason: 'none', takesForce: false };

/** Ids in canonical form are short; longer words are never tried, which also bounds regex work. */
const MAX_ID_LENGTH = 40;
/** How much of a bad input a message quotes. */
const MAX_QUOTED_LENGTH = 40;
/** How many of the user's ids a message repeats in the right form of the command. */
const MAX_IDS_IN_FORM = 5;
const EXAMPLE_ID = 'TRT-123';
const EXAMPLE_CONTROL = 'C0042-b';

// Starts like an id (`TRT-1…`, `xyz12…`, `C0042…`, or a bare number): a word like this that is not a
// valid id is reported as a bad id (with `badId`, for suggestions), not as stray text.
const ID_SHAPE = /^(?:[A-Za-z]{1,5}[-_]?)?\d/;

/**
 * Reads one chat message, already stripped of the bot's @mention, into a command. Never throws:
 * every input gets an answer. `isRegisteredType` says whether an upper-case step type is registered
 * in the plan (an unregistered type is reported, naming the input).
 */
export function parseChatCommand(text: string, isRegisteredType: StepTypeRegistry): ParsedChatCommand {
  const message = collapseWhitespace(text);
  const { body, found: endsWithQuestionMark } = withoutTrailingQuestionMarks(message);
  let tokens = tokenize(body);

  // A mention typed as text (`@Runsheet help` in a personal chat) is not part of the command.
  if (tokens[0]?.text.startsWith('@')) tokens = tokens.slice(1);

  // `force done TRT-1` reads as `done TRT-1 force`.
  let leadingForce = false;
  const second = tokens[1];
  if (tokens[0] && isForceWord(tokens[0].text) && second && findChatCommand(commandWord(second.text).word)) {
    leadingForce = true;
    tokens = tokens.slice(1);
  }

  const first = tokens[0];
  // A bare mention of the bot (or only `?`) asks what it can do.
  if (!first) return { kind: 'help' };

  const { word, questionMark } = commandWord(first.text);
  const whatIf = endsWithQuestionMark || questionMark;
  const command = findChatCommand(word);
  const args = tokens.slice(1);
  const rest = args[0] ? cleanFreeText(body.slice(args[0].start)) : null;

  if (!command) {
    // A bare id (`TRT-123`) asks for its status; a bare bad one is reported, for suggestions.
    const attempt = readIdAt(tokens, 0, isRegisteredType);
    if (attempt.consumed === tokens.length) {
      if (attempt.result.ok) return { kind: 'status', ids: [attempt.result.id.canonical] };
      if (attempt.idShaped) return invalid(attempt.result.problem, { badId: attempt.raw });
    }
    const suggestion = nearestCommand(word);
    return suggestion ? { kind: 'unknown', input: message, suggestion } : { kind: 'unknown', input: message };
  }

  switch (command.name) {
    case 'help':
      // `help hold` and the like: the one help answer covers every command.
      return { kind: 'help' };
    case 'status': {
      const read = readArguments('status', STATUS_RULE, args, body, isRegisteredType, false);
      return read.ok ? { kind: 'status', ids: read.ids } : read.invalid;
    }
    case 'activate': {
      const read = readArguments('activate', ACTIVATE_RULE, args, body, isRegisteredType, false);
      return read.ok ? { kind: 'activate', ids: read.ids } : read.invalid;
    }
    case 'ready':
      return { kind: 'ready', team: rest };
    case 'iteration':
      return { kind: 'iteration', name: rest };
    case 'durations': {
      if (rest === null) return { kind: 'durations', basis: null };
      const basis = rest.toLowerCase();
      if (isDurationBasis(basis)) return { kind: 'durations', basis };
      return invalid(`durations takes learned or indicative, not ${quote(rest)}: durations learned`, {
        suggestion: 'durations learned',
      });
    }
    case 'late':
    case 'unlink':
      // Refused rather than ignored: `unlink Engine` in a channel linked to CRM must not unlink CRM.
      if (rest !== null) {
        return invalid(`${command.name} takes no arguments, not ${quote(rest)}: ${command.name}`, {
          suggestion: command.name,
        });
      }
      return { kind: command.name };
    case 'link':
      if (rest === null) return invalid('link needs a team name or pilots: link Engine, or link pilots');
      return { kind: 'link', target: rest };
    case 'start':
    case 'done':
    case 'fail':
    case 'retry':
    case 'hold':
    case 'resume':
    case 'cancel':
    case 'reopen':
    case 'pass':
    case 'confirm': {
      const name = command.name;
      const read = readArguments(name, ACT_RULES[name], args, body, isRegisteredType, leadingForce);
      if (!read.ok) return read.invalid;
      return {
        kind: 'act',
        action: name,
        ids: read.ids,
        reason: read.reason,
        whatIf,
        force: read.force,
        ...(read.anyway ? { acknowledgeControls: true as const } : {}),
      };
    }
  }
}

/** A word of the message and where it is, so that a reason can be cut from the text as typed. */
interface Token {
  text: string;
  start: number;
  end: number;
  /** A comma or semicolon stands between this word and the previous one. */
  afterListSeparator: boolean;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let previousEnd = 0;
  for (const match of text.matchAll(/[^\s,;]+/g)) {
    const start = match.index;
    const between = text.slice(previousEnd, start);
    tokens.push({
      text: match[0],
      start,
      end: start + match[0].length,
      afterListSeparator: between.includes(',') || between.includes(';'),
    });
    previousEnd = start + match[0].length;
  }
  return tokens;
}

// Loops rather than `/\?+$/`: a regex anchored at the end retries from every position and is
// quadratic on a long run of question marks.
function withoutTrailingQuestionMarks(text: string): { body: string; found: boolean } {
  let end = text.length;
  while (end > 0 && text[end - 1] === '?') end--;
  return { body: text.slice(0, end).trimEnd(), found: end < text.length };
}

/** The command word, lower case, without a leading `/` and trailing punctuation; `?` only if alone. */
function commandWord(token: string): { word: string; questionMark: boolean } {
  const lower = token.toLowerCase().replace(/^\/+/, '');
  if (/^\?+$/.test(lower)) return { word: '?', questionMark: false };
  const word = trimEnd(lower, '?:.!');
  return { word, questionMark: trimEnd(lower, ':.!').endsWith('?') };
}

function isForceWord(token: string): boolean {
  return /^force$/i.test(token) || isDashedForce(token);
}

/** `--force`, and `—force`/`–force` which phone keyboards and Outlook make of a typed `--`. */
function isDashedForce(token: string): boolean {
  return /^(?:-{1,2}|—|–)force$/i.test(token);
}

/** One attempt at reading an id at a word: one word, or two for the spaced form `TRT 123a`. */
interface IdAttempt {
  result: IdResult<ParsedId>;
  /** How many words the id took. */
  consumed: number;
  /** The input as typed, for messages. */
  raw: string;
  /** Ends with a colon: the ids end here and the reason follows. */
  endsList: boolean;
  /** Looks like an id (see `ID_SHAPE`), valid or not. */
  idShaped: boolean;
}

function readIdAt(tokens: readonly Token[], index: number, isRegistered: StepTypeRegistry): IdAttempt {
  const token = tokens[index]!;
  const { core, endsList } = trimIdPunctuation(token.text);
  const next = tokens[index + 1];
  // `TRT 123a`: a lone type followed by its number is one id written with a space (as splitIdList
  // reads it), unless a comma stands between them.
  if (!endsList && next && !next.afterListSeparator && /^[A-Za-z]{3}$/.test(core)) {
    const number = trimIdPunctuation(next.text);
    if (/^\d/.test(number.core)) {
      const spaced = `${core} ${number.core}`;
      return {
        result: parseIdSafely(spaced, isRegistered),
        consumed: 2,
        raw: spaced,
        endsList: number.endsList,
        idShaped: true,
      };
    }
  }
  return {
    result: parseIdSafely(core, isRegistered),
    consumed: 1,
    raw: core.length > 0 ? core : token.text,
    endsList,
    idShaped: ID_SHAPE.test(core),
  };
}

function parseIdSafely(input: string, isRegistered: StepTypeRegistry): IdResult<ParsedId> {
  if (input.length === 0 || input.length > MAX_ID_LENGTH) {
    return { ok: false, problem: `${quote(input)} is not a step, task or control id` };
  }
  // A step type has three letters, so `C` and a digit can only be meant as a control; its own
  // problem ("expected C, 4 digits, -, letters") helps more than the step one.
  if (/^[Cc]\d/.test(input)) return parseControlId(input);
  return parseAnyId(input, isRegistered);
}

const OPENING_PUNCTUATION = '(["\'“‘<';
const CLOSING_PUNCTUATION = ')]"\'”’>.!:';

/** `(TRT-1)`, `"TRT-1"`, `TRT-1.` and `TRT-1:` are `TRT-1`; a colon ends the list of ids. */
function trimIdPunctuation(word: string): { core: string; endsList: boolean } {
  let start = 0;
  while (start < word.length && OPENING_PUNCTUATION.includes(word[start]!)) start++;
  let end = word.length;
  let endsList = false;
  while (end > start && CLOSING_PUNCTUATION.includes(word[end - 1]!)) {
    if (word[end - 1] === ':') endsList = true;
    end--;
  }
  return { core: word.slice(start, end), endsList };
}

type ReadArguments =
  | { ok: true; ids: string[]; reason: string | null; force: boolean; anyway?: boolean }
  | { ok: false; invalid: InvalidChatCommand };

/** Reads the ids, flags and reason after a command word, by the command's rule. */
function readArguments(
  name: ChatCommandName,
  rule: ArgumentRule,
  args: readonly Token[],
  body: string,
  isRegistered: StepTypeRegistry,
  leadingForce: boolean,
): ReadArguments {
  let force = leadingForce;
  let tokens = args;
  // `--force` after a reason: only at the very end, so that a reason may mention it elsewhere.
  const last = tokens[tokens.length - 1];
  if (rule.takesForce && last && isDashedForce(last.text)) {
    force = true;
    tokens = tokens.slice(0, -1);
  }

  const ids: ParsedId[] = [];
  const seen = new Set<string>();
  let reasonFrom: number | null = null;
  let reasonAfterColon = false;
  let anyway = false;
  let index = 0;
  while (index < tokens.length) {
    const token = tokens[index]!;
    // `done IGO-15 anyway`: among or after the ids (done takes no reason, so it cannot be one).
    if (rule.takesAnyway && ids.length > 0 && /^anyway[.!]?$/i.test(token.text)) {
      anyway = true;
      index++;
      continue;
    }
    if (rule.takesForce && isForceWord(token.text)) {
      const next = index + 1 < tokens.length ? readIdAt(tokens, index + 1, isRegistered) : null;
      const nextIsFlagOrId = next === null || next.result.ok || isForceWord(tokens[index + 1]!.text);
      // The bare word before a reason is the reason's first word: `fail TRT-1 force majeure`.
      if (isDashedForce(token.text) || ids.length === 0 || nextIsFlagOrId || rule.reason === 'none') {
        force = true;
        index++;
        continue;
      }
      reasonFrom = index;
      break;
    }

    const attempt = readIdAt(tokens, index, isRegistered);
    if (!attempt.result.ok) {
      // A lone colon (`hold TRT-1 : waiting`) ends the ids like a colon on the last id.
      if (attempt.endsList && trimIdPunctuation(token.text).core === '' && ids.length > 0) {
        reasonFrom = index + 1;
        reasonAfterColon = true;
        break;
      }
      if (ids.length === 0) return { ok: false, invalid: firstIdProblem(name, rule, attempt) };
      reasonFrom = index;
      break;
    }

    const id = attempt.result.id;
    if (!seen.has(id.canonical)) {
      const only = ids[0];
      if (!rule.several && only) {
        return {
          ok: false,
          invalid: invalid(
            `${name} takes one id at a time, not ${only.canonical} and ${id.canonical}: ${correctForm(name, [only])}`,
          ),
        };
      }
      ids.push(id);
      seen.add(id.canonical);
    }
    index += attempt.consumed;
    if (attempt.endsList) {
      reasonFrom = index;
      reasonAfterColon = true;
      break;
    }
  }

  if (ids.length === 0) {
    return { ok: false, invalid: invalid(`${name} needs ${idNoun(rule.kinds)}: ${correctForm(name, [])}`) };
  }
  for (const id of ids) {
    if (!rule.kinds.includes(id.kind)) return { ok: false, invalid: wrongKind(name, rule, id) };
  }

  const reasonTokens = reasonFrom === null ? [] : tokens.slice(reasonFrom);
  const firstReasonToken = reasonTokens[0];
  const lastReasonToken = reasonTokens[reasonTokens.length - 1];
  const reason =
    firstReasonToken && lastReasonToken
      ? cleanFreeText(body.slice(firstReasonToken.start, lastReasonToken.end))
      : null;
  const canonicalIds = ids.map((id) => id.canonical);

  if (rule.reason === 'none') {
    if (firstReasonToken) return { ok: false, invalid: strayWord(name, ids, reasonTokens, isRegistered) };
    return { ok: true, ids: canonicalIds, reason: null, force, ...(anyway ? { anyway } : {}) };
  }

  // `hold TRT-1 TRX-2`: only id-like words after the ids are a mistyped id, not a reason.
  if (rule.several && !reasonAfterColon && reasonTokens.length > 0) {
    const mistyped = onlyIdLikeWords(reasonTokens, isRegistered);
    if (mistyped) return { ok: false, invalid: badIdInvalid(name, mistyped) };
  }

  const reasonRequired =
    rule.reason === 'required' || (rule.reason === 'required-except-control' && ids[0]!.kind !== 'control');
  if (reasonRequired && reason === null) {
    return { ok: false, invalid: invalid(`${name} needs a reason: ${correctForm(name, ids)}`) };
  }
  return { ok: true, ids: canonicalIds, reason, force };
}

/** The first id-like word that is not a valid id, when every word is id-like; else null. */
function onlyIdLikeWords(tokens: readonly Token[], isRegistered: StepTypeRegistry): IdAttempt | null {
  let firstBad: IdAttempt | null = null;
  for (let index = 0; index < tokens.length;) {
    const attempt = readIdAt(tokens, index, isRegistered);
    if (!attempt.idShaped) return null;
    if (!attempt.result.ok && firstBad === null) firstBad = attempt;
    index += attempt.consumed;
  }
  return firstBad;
}

function firstIdProblem(name: ChatCommandName, rule: ArgumentRule, attempt: IdAttempt): InvalidChatCommand {
  if (attempt.idShaped) return badIdInvalid(name, attempt);
  return invalid(
    `${name} needs ${idNoun(rule.kinds)} first, and ${quote(attempt.raw)} is not one: ${correctForm(name, [])}`,
  );
}

/** A word after the ids of a command that takes no reason. */
function strayWord(
  name: ChatCommandName,
  ids: readonly ParsedId[],
  tokens: readonly Token[],
  isRegistered: StepTypeRegistry,
): InvalidChatCommand {
  const attempt = readIdAt(tokens, 0, isRegistered);
  if (attempt.idShaped && !attempt.result.ok) return badIdInvalid(name, attempt);
  return invalid(`${name} takes only ids, and ${quote(attempt.raw)} is not one: ${correctForm(name, ids)}`);
}

function badIdInvalid(name: ChatCommandName, attempt: IdAttempt): InvalidChatCommand {
  const problem = attempt.result.ok ? `${quote(attempt.raw)} is not expected here` : attempt.result.problem;
  return invalid(`${name}: ${problem}`, { badId: attempt.raw });
}

/** An id of a kind the command does not act on, with the command that does. */
function wrongKind(name: ChatCommandName, rule: ArgumentRule, id: ParsedId): InvalidChatCommand {
  const works = `${name} works on ${kindsNoun(rule.kinds)}, and ${id.canonical} is a ${id.kind}`;
  if (id.kind === 'control' && name !== 'activate') {
    const pass = `pass ${id.canonical}`;
    // `done` of a control can only mean that it passed.
    return invalid(
      `${works}: ${pass}, or fail ${id.canonical} [note]`,
      name === 'done' ? { suggestion: pass } : {},
    );
  }
  if (name === 'pass') {
    const done = `done ${id.canonical}`;
    return invalid(`${works}: ${done}`, { suggestion: done });
  }
  if (id.kind === 'task') {
    // Activation emails are per step: offer the task's step.
    const activate = `${name} ${id.step.canonical}`;
    return invalid(`${works}: ${activate}`, { suggestion: activate });
  }
  return invalid(`${works}: ${correctForm(name, [])}`);
}

/** The usage of the command with the user's ids in it, or example ids when there are none. */
function correctForm(name: ChatCommandName, ids: readonly ParsedId[]): string {
  const first = ids[0];
  if (name === 'fail' && first?.kind === 'control') return `fail ${first.canonical} [note]`;
  // A form the user can read at a glance, even after a pasted list of hundreds of ids.
  const shown = ids.slice(0, MAX_IDS_IN_FORM).map((id) => id.canonical);
  if (ids.length > MAX_IDS_IN_FORM) shown.push('…');
  const list = shown.length > 0 ? shown.join(' ') : EXAMPLE_ID;
  // One pass, so that an id put in cannot itself be replaced.
  return chatCommandInfo(name).usage.replace(/ID…|ID|CONTROL/g, (placeholder) => {
    if (placeholder === 'ID…') return list;
    return first?.canonical ?? (placeholder === 'CONTROL' ? EXAMPLE_CONTROL : EXAMPLE_ID);
  });
}

function idNoun(kinds: readonly IdKind[]): string {
  if (kinds.length === 1) return `a ${kinds[0]} id`;
  return kinds.length === 2 ? 'a step or task id' : 'a step, task or control id';
}

function kindsNoun(kinds: readonly IdKind[]): string {
  if (kinds.length === 1) return `${kinds[0]}s`;
  return kinds.length === 2 ? 'steps and tasks' : 'steps, tasks and controls';
}

function invalid(message: string, extra: { suggestion?: string; badId?: string } = {}): InvalidChatCommand {
  return { kind: 'invalid', message, ...extra };
}

/** A reason, team or iteration name as typed: without leading separators and wrapping quotes. */
function cleanFreeText(text: string): string | null {
  let start = 0;
  while (start < text.length) {
    const character = text[start]!;
    const next = text[start + 1];
    // A dash is a separator (`TRT-1 - waiting`), not the sign of a number (`-5 rows`).
    const separatorDash = character === '-' && (next === undefined || next === ' ' || next === '-');
    if (!' :–—,;'.includes(character) && !separatorDash) break;
    start++;
  }
  let cleaned = text.slice(start).trim();
  const quotePairs = ['""', '“”', "''", '‘’'];
  if (cleaned.length >= 2 && quotePairs.includes(`${cleaned[0]}${cleaned[cleaned.length - 1]}`)) {
    cleaned = cleaned.slice(1, -1).trim();
  }
  return cleaned.length > 0 ? cleaned : null;
}

function trimEnd(text: string, characters: string): string {
  let end = text.length;
  while (end > 0 && characters.includes(text[end - 1]!)) end--;
  return text.slice(0, end);
}

/** An input in quotes for a message, cut short: messages echo what was typed, not a whole essay. */
function quote(input: string): string {
  const shown = input.length > MAX_QUOTED_LENGTH ? `${input.slice(0, MAX_QUOTED_LENGTH)}…` : input;
  return `"${shown}"`;
}

/** The command a mistyped word most likely meant (`strat` → start), if one is clearly nearest. */
function nearestCommand(word: string): ChatCommandName | undefined {
  if (word.length < 3 || word.length > 20) return undefined;
  // One slip in a short word, two in a longer one; more is a different word.
  const limit = word.length <= 4 ? 1 : 2;
  let best: ChatCommandName | undefined;
  let bestDistance = limit + 1;
  let tie = false;
  for (const candidate of allCommandWords()) {
    const distance = editDistance(word, candidate, limit);
    const name = findChatCommand(candidate)!.name;
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance && name !== best) {
      tie = true;
    }
  }
  return best !== undefined && !tie ? best : undefined;
}
