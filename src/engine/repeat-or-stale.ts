/**
 * "Every action carries the status the actor saw. When it no longer holds, nothing changes and the
 * actor is told who did what, when. The same action twice is one transition." (domain.md)
 */
import type { CommandResult, LastChange } from './command.js';
import type { CommandContext } from './engine.js';
import { commandDetails } from './engine.js';
import { describeLastChange } from './messages.js';

/**
 * Answers a command that repeats the subject's last accepted action (a double click, a retried
 * request, the same command from two doors: its effect is already in place) or that acts on a
 * status that no longer holds. Both change nothing and are audited. Returns null to go on.
 */
export async function answerRepeatOrStale(
  context: CommandContext,
  subject: { kind: 'step' | 'task' | 'control'; id: string },
  current: string,
  last: LastChange | null,
): Promise<CommandResult | null> {
  const { command, iteration } = context;
  const seen = command.seen ?? null;
  const repeated = last !== null && last.action === command.action && (seen === null || seen !== current);
  if (!repeated && (seen === null || seen === current)) return null;

  const outcome = repeated ? 'duplicate' : 'stale';
  const auditSeq = await context.record({
    type: `${subject.kind}.${outcome}`,
    subject: subject.id,
    details: { ...commandDetails(command), current },
  });
  const who = last ? `: ${describeLastChange(last, iteration.timeZone)}` : '';
  const base = { kind: subject.kind, subject: subject.id, iteration: iteration.name, current, auditSeq };
  if (repeated)
    return {
      ...base,
      outcome: 'duplicate',
      last,
      message: `${subject.id} is ${current} already${who}. Nothing changed.`,
    };
  return {
    ...base,
    outcome: 'stale',
    last,
    message: `${subject.id} is ${current}, not ${seen}${who}. Nothing changed.`,
  };
}
