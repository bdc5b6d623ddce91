/**
 * Answers a chat command (`@Runsheet hold TRT-123 waiting for DBA`): parses it, runs it through
 * the engine like every other door, and builds one reply. Every command is audited as received;
 * the changes it causes are audited by the engine.
 */
import type { Activity } from 'botbuilder';
import { recordAuditEvent } from '../audit/audit-log.js';
import type { Actor } from '../engine/actor.js';
import type { CommandResult } from '../engine/command.js';
import type { ConversationInfo, LinkResult } from '../engine/conversation-links.js';
import type { Engine } from '../engine/engine.js';
import { formatLocalTime, pastTense } from '../engine/messages.js';
import {
  findIterationByName,
  getStepDetail,
  listIterations,
  listReadySteps,
  NotFoundError,
} from '../engine/read-models.js';
import { parseChatCommand, type ParsedChatCommand } from './commands/parse-command.js';
import { renderHelpText } from './commands/command-help.js';
import { stripBotMention } from './commands/strip-mention.js';
import { describeLate } from './late-command.js';
import { isWorkAction } from '../domain/statuses.js';
import type { DurationBasis } from '../domain/duration-basis.js';
import { forecastDurationsOf } from '../engine/forecast-view.js';
import { answerWhatIfInChat } from './cards/hold-confirmation.js';
import { suggestNearestIds } from './commands/suggest-ids.js';

/** A reply: Markdown text, or a message with cards (the `activate` command's dialog launchers). */
export type ChatReply = string | Partial<Activity>;

export interface ChatCommandInput {
  engine: Engine;
  /** Answers `activate ID…` for the sender (activation-launcher.ts). */
  activationReply(ids: readonly string[]): Promise<Partial<Activity>>;
  /** The sender as the directory knows them; undefined when it does not. */
  actor: Actor | undefined;
  text: string;
  /** The `text` of the message's mention entities (the bot's `<at>Runsheet</at>`). */
  mentions: string[];
  conversation: ConversationInfo;
  /** The sender's display name, for the reply to an unknown user. */
  fromName: string;
  link(target: string | null): Promise<LinkResult>;
  now: Date;
}

/** Reply markdown: one line per id acted on. */
const lines = (items: string[]) => items.join('\n\n');

/** Parses and answers one chat message; never throws for bad input. */
export async function answerChatCommand(input: ChatCommandInput): Promise<ChatReply> {
  const { engine, actor } = input;
  const text = stripBotMention(input.text, input.mentions);
  const snapshot = await engine.snapshot();
  const parsed = parseChatCommand(text, (type) => snapshot.stepTypes.has(type));

  await recordAuditEvent(engine.database.db, {
    actor: actor?.email ?? `teams:${input.fromName}`,
    actorName: actor?.name ?? input.fromName,
    subject: input.conversation.conversationId,
    type: 'chat.command',
    details: { text, kind: parsed.kind },
  });
  if (!actor) {
    return `I don't know you, ${input.fromName}: you are not in the directory. A pilot adds you to your team's group; until then you can't act on steps.`;
  }
  return answerParsed(parsed, input, actor);
}

async function answerParsed(
  parsed: ParsedChatCommand,
  input: ChatCommandInput,
  actor: Actor,
): Promise<ChatReply> {
  const { engine, now } = input;
  switch (parsed.kind) {
    case 'help':
      return renderHelpText(actor.isPilot);
    case 'unknown':
      return `I did not understand "${parsed.input}"${parsed.suggestion ? ` (did you mean \`${parsed.suggestion}\`?)` : ''}.\n\n${renderHelpText(actor.isPilot)}`;
    case 'invalid': {
      if (!parsed.badId) return parsed.message;
      const snapshot = await engine.snapshot();
      const near = suggestNearestIds(parsed.badId, snapshot.graph.keys);
      return `${parsed.message}${near.length > 0 ? ` Did you mean ${near.join(', ')}?` : ''}`;
    }
    case 'act': {
      if (parsed.whatIf && isWorkAction(parsed.action))
        return answerWhatIfInChat(engine, { ...parsed, action: parsed.action }, now);
      if (parsed.whatIf) {
        return `What-if (\`${parsed.action} …?\`) works on step actions; nothing was changed. Send the command without "?" to apply it.`;
      }
      const results: CommandResult[] = [];
      for (const id of parsed.ids) {
        results.push(
          await engine.execute({
            action: parsed.action,
            subject: id,
            actor: { email: actor.email },
            reason: parsed.reason,
            force: parsed.force,
            acknowledgeControls: parsed.acknowledgeControls === true,
            source: 'command',
          }),
        );
      }
      return lines(
        await Promise.all(results.map((result, i) => describeResult(engine, actor, result, parsed.ids[i]!))),
      );
    }
    case 'status': {
      const answers: string[] = [];
      for (const id of parsed.ids) answers.push(await describeStatus(engine, id));
      return lines(answers);
    }
    case 'ready': {
      const ready = await listReadySteps(engine, { team: parsed.team }).catch(notFoundText);
      if (typeof ready === 'string') return ready;
      if (ready.steps.length === 0)
        return `No step is ready in ${ready.iteration}${parsed.team ? ` for ${parsed.team}` : ''}.`;
      return lines([
        `**Ready in ${ready.iteration}** (${ready.steps.length})`,
        ...ready.steps.slice(0, 40).map((s) => `${s.id} · ${s.team} · ${s.title}`),
      ]);
    }
    case 'late':
      return describeLate(engine, now);
    case 'iteration': {
      if (parsed.name !== null) {
        const result = await engine.execute({
          action: 'activate',
          subject: parsed.name,
          actor: { email: actor.email },
          source: 'command',
        });
        return result.message;
      }
      const active = await findIterationByName(engine.database.db, null);
      const all = await listIterations(engine.database.db);
      const summary = all.map(
        (it) =>
          `${it.name} ${it.status}${it.status === 'ACTIVE' ? ` · ${it.done}/${it.inScope} done · comms ${it.comms}` : ''}`,
      );
      return lines([active ? `**${active.name}** is active.` : 'No iteration is active.', ...summary]);
    }
    case 'durations':
      return answerDurations(engine, actor, parsed.basis, now);
    case 'link':
      return (await input.link(parsed.target)).message;
    case 'unlink':
      return (await input.link(null)).message;
    case 'activate':
      return input.activationReply(parsed.ids);
  }
}

/** `durations`: what the active iteration's forecast uses; `durations learned|indicative` sets it. */
async function answerDurations(
  engine: Engine,
  actor: Actor,
  basis: DurationBasis | null,
  now: Date,
): Promise<string> {
  const active = await findIterationByName(engine.database.db, null);
  if (!active)
    return 'No iteration is active; name one from the CLI: `runsheet iteration durations NAME learned`.';
  if (basis !== null) {
    const result = await engine.execute({
      action: 'set-duration-basis',
      subject: active.name,
      durationBasis: basis,
      actor: { email: actor.email },
      source: 'command',
    });
    if (result.outcome !== 'applied') return `⛔ ${result.message}`;
  }
  const durations = await forecastDurationsOf(engine, active, now);
  return `${basis !== null ? '✅ ' : ''}${active.name}'s forecast uses ${durations.label}.${
    basis === null && actor.isPilot
      ? ` A pilot changes it with \`durations ${durations.basis === 'learned' ? 'indicative' : 'learned'}\`.`
      : ''
  }`;
}

function notFoundText(error: unknown): string {
  if (error instanceof NotFoundError) return error.message;
  throw error;
}

/** One line for an engine result, with the nearest ids when the subject is unknown. */
async function describeResult(
  engine: Engine,
  actor: Actor,
  result: CommandResult,
  input: string,
): Promise<string> {
  const prefix = result.outcome === 'applied' ? '✅' : result.outcome === 'refused' ? '⛔' : 'ℹ️';
  if (result.outcome === 'refused' && result.code === 'UNKNOWN_SUBJECT') {
    const near = suggestNearestIds(input, (await engine.snapshot()).graph.keys);
    return `${prefix} ${result.message}${near.length > 0 ? ` Did you mean ${near.join(', ')}?` : ''}`;
  }
  // A go/no-go step with controls not passed: how a pilot goes on from chat.
  if (result.outcome === 'refused' && result.code === 'CONTROLS_NOT_PASSED' && actor.isPilot) {
    return `${prefix} ${result.message} To do so, send \`done ${result.subject ?? input} anyway\`.`;
  }
  return `${prefix} ${result.message}`;
}

async function describeStatus(engine: Engine, id: string): Promise<string> {
  try {
    const step = await getStepDetail(engine, id);
    const last = step.lastChange
      ? ` · ${pastTense(step.lastChange.action)} by ${step.lastChange.by} at ${formatLocalTime(step.lastChange.at, step.timeZone)}`
      : '';
    const tasks =
      step.tasks.length > 0
        ? ` · tasks ${step.tasks.filter((t) => t.status === 'DONE' || t.status === 'CANCELLED').length}/${step.tasks.length} done`
        : '';
    return `**${step.id}** ${step.title}: ${step.status}${step.ready ? ' (ready)' : ''}${last}${tasks} · ${step.team} · ${step.chapter}`;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const near = suggestNearestIds(id, (await engine.snapshot()).graph.keys);
    return `${error.message}${near.length > 0 ? ` Did you mean ${near.join(', ')}?` : ''}`;
  }
}
