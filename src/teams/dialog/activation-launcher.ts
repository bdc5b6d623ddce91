/**
 * Opening the activation dialog from Teams. The step card's Activate button (an `Action.Submit`
 * with `msteams: { type: 'task/fetch' }`) and the card the `activate ID` chat command answers with
 * both make Teams send a `task/fetch` invoke; `answerActivationFetch` answers it with the dialog
 * (a URL to the editor page with a token for this pilot, step and iteration), or with a message
 * saying why there is none (not a pilot, comms off, no such step). Refusals are audited.
 */
import { recordAuditEvent } from '../../audit/audit-log.js';
import { draftActivationMail } from '../../engine/activation-mail.js';
import type { ActorRef } from '../../engine/command.js';
import type { Engine } from '../../engine/engine.js';
import type { AdaptiveCard } from '../cards/render-step-card.js';
import { activationLaunchData } from '../cards/step-card-actions.js';
import type { DialogTokens } from './dialog-token.js';

export const ACTIVATION_DIALOG_PATH = '/dialogs/activation';

export interface ActivationLauncherDeps {
  engine: Engine;
  tokens: DialogTokens;
  /** The service's public base URL (`https://host`); null when none is configured. */
  publicBaseUrl(): string | null;
}

/** The body of a `task/fetch` invoke response (Teams' TaskModuleResponse). */
export type TaskFetchAnswer =
  | { task: { type: 'message'; value: string } }
  | {
      task: {
        type: 'continue';
        value: { title: string; url: string; fallbackUrl: string; width: 'large'; height: 'large' };
      };
    };

/** The dialog for a pilot's Activate, or a message explaining why not. */
export async function answerActivationFetch(
  deps: ActivationLauncherDeps,
  input: { actor: ActorRef; fromName: string; step: string; iteration: string | null },
): Promise<TaskFetchAnswer> {
  const { engine } = deps;
  const message = (value: string): TaskFetchAnswer => ({ task: { type: 'message', value } });
  const result = await draftActivationMail(engine, input);
  if (!result.ok) {
    await recordAuditEvent(engine.database.db, {
      actor:
        engine.directory.findByAadObjectId(input.actor.aadObjectId ?? '')?.email ??
        `aad:${input.actor.aadObjectId ?? 'unknown'}`,
      actorName: input.fromName,
      iteration: input.iteration,
      subject: input.step,
      type: 'mail.activation.refused',
      details: { code: result.code, message: result.message, source: 'teams', stage: 'open dialog' },
      at: engine.now(),
    });
    return message(result.message);
  }
  const base = deps.publicBaseUrl();
  if (base === null) {
    return message(
      'The activation dialog needs the service’s public address: an operator sets RUNSHEET_PUBLIC_HOSTNAME. Nothing was sent.',
    );
  }
  const pilot =
    engine.directory.findByAadObjectId(input.actor.aadObjectId ?? '') ??
    engine.directory.findByEmail(input.actor.email ?? '');
  const token = await deps.tokens.mint({
    email: pilot!.email,
    aadObjectId: pilot!.aadObjectId,
    step: result.draft.step,
    iteration: result.draft.iteration,
  });
  const url = `${base}${ACTIVATION_DIALOG_PATH}?token=${encodeURIComponent(token)}`;
  return {
    task: {
      type: 'continue',
      value: {
        title: `Activation email · ${result.draft.step}`,
        url,
        fallbackUrl: url,
        width: 'large',
        height: 'large',
      },
    },
  };
}

/**
 * What the `activate ID…` chat command answers a pilot: a card per step with a button that opens
 * the dialog (a chat message cannot open one itself), or why it cannot.
 */
export async function activationLauncherReply(
  engine: Engine,
  input: { actor: ActorRef; ids: readonly string[] },
): Promise<{ text: string; cards: AdaptiveCard[] }> {
  const problems: string[] = [];
  const cards: AdaptiveCard[] = [];
  for (const id of input.ids) {
    const result = await draftActivationMail(engine, { actor: input.actor, step: id, iteration: null });
    if (!result.ok) {
      problems.push(`⛔ ${id}: ${result.message}`);
      continue;
    }
    const { draft } = result;
    cards.push({
      type: 'AdaptiveCard',
      version: '1.5',
      body: [
        {
          type: 'RichTextBlock',
          inlines: [
            { type: 'TextRun', text: `Activation email · ${draft.step} `, weight: 'bolder' },
            { type: 'TextRun', text: draft.title },
          ],
        },
        {
          type: 'RichTextBlock',
          inlines: [
            {
              type: 'TextRun',
              text:
                draft.comms === 'test'
                  ? `${draft.iteration} runs with comms in test mode: the mail goes to the pilots only.`
                  : `To ${draft.team} (${draft.to.length} people), the pilots in copy.`,
              isSubtle: true,
            },
          ],
        },
      ],
      actions: [
        {
          type: 'Action.Submit',
          title: 'Write the activation email…',
          data: activationLaunchData(draft.step, draft.iteration),
        },
      ],
    });
  }
  return { text: problems.join('\n\n'), cards };
}
