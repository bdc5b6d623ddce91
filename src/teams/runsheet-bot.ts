/**
 * The Teams bot: turns what Teams sends into engine commands and answers in Teams' terms.
 * - installation (conversationUpdate): remembers the conversation so cards can be posted there;
 * - chat commands (channel @mention, group chat, personal chat): parsed, then executed through the
 *   same engine as every other door, answered with one reply;
 * - card buttons (`adaptiveCard/action` invokes): executed through the engine and answered in the
 *   same HTTP response with the refreshed card, a refusal or a stale action shown on it.
 * Outgoing posts and in-place updates are not sent from here but by the job workers (card-jobs.ts).
 */
import {
  CardFactory,
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ConversationReference,
  type TaskModuleRequest,
  type TaskModuleResponse,
} from 'botbuilder';
import { recordAuditEvent } from '../audit/audit-log.js';
import type { Directory } from '../directory/directory.js';
import { resolveActor, type Actor } from '../engine/actor.js';
import type { CommandSource } from '../engine/command.js';
import {
  baseConversationId,
  linkConversation,
  rememberConversation,
  type ConversationInfo,
} from '../engine/conversation-links.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../logger.js';
import { toOutlookCard } from '../mail/outlook-card.js';
import { answerChatCommand } from './chat-commands.js';
import {
  activationLauncherReply,
  answerActivationFetch,
  type ActivationLauncherDeps,
} from './dialog/activation-launcher.js';
import { actorRefOf, isOutlookActivity } from './outlook-actions.js';
import { renderCardForViewer } from './card-views.js';
import { rememberTeamsUser } from './teams-users.js';
import { cardNoticeFor, type CardNotice } from './cards/render-step-card.js';
import { parseActivationLaunch, parseStepCardAction } from './cards/step-card-actions.js';
import { forecastSeenIn, needsHoldConfirmation, renderHoldConfirmation } from './cards/hold-confirmation.js';

const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface RunsheetBotOptions {
  engine: Engine;
  directory: Directory;
  logger: Logger;
  clock?: () => Date;
  /** Opens the activation dialog (task/fetch); absent, Activate says the dialog is not available. */
  activation?: Omit<ActivationLauncherDeps, 'engine'>;
  /** The actionable-message provider id for the cards answered to Outlook. */
  actionableOriginator?: string;
}

/** The conversation an activity belongs to, as the place new posts go. */
export function conversationInfoOf(context: TurnContext): ConversationInfo {
  const activity = context.activity;
  const reference = TurnContext.getConversationReference(activity) as ConversationReference;
  const conversationId = baseConversationId(activity.conversation.id);
  const tenantId =
    (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ??
    activity.conversation.tenantId ??
    null;
  return {
    conversationId,
    serviceUrl: activity.serviceUrl,
    tenantId,
    reference: {
      ...reference,
      conversation: { ...reference.conversation, id: conversationId },
    } as unknown as Record<string, unknown>,
  };
}

export class RunsheetBot extends TeamsActivityHandler {
  private readonly clock: () => Date;

  constructor(private readonly options: RunsheetBotOptions) {
    super();
    this.clock = options.clock ?? (() => new Date());

    // Every activity tells the sender's Teams user id, which cards need for automatic refresh.
    this.onTurn(async (context, next) => {
      const from = context.activity.from;
      // Only Teams ids are Teams user ids: Outlook's `from.id` is not one.
      if (context.activity.channelId === 'msteams' && from?.aadObjectId && from.id) {
        await rememberTeamsUser(options.engine.database.db, {
          aadObjectId: from.aadObjectId,
          teamsUserId: from.id,
          name: from.name ?? '',
        });
      }
      await next();
    });

    this.onMembersAdded(async (context, next) => {
      const botWasAdded = (context.activity.membersAdded ?? []).some(
        (member) => member.id === context.activity.recipient.id,
      );
      if (botWasAdded) {
        await rememberConversation(options.engine.database.db, conversationInfoOf(context));
        options.logger.info(
          { conversation: context.activity.conversation.id },
          'bot installed in a conversation',
        );
        await context.sendActivity(
          'Runsheet is here. A pilot links this channel to a plan team with `@Runsheet link <team>` ' +
            "(or `@Runsheet link pilots` for the pilots' channel). Type `@Runsheet help` for the commands.",
        );
      }
      await next();
    });

    this.onMessage(async (context, next) => {
      const info = conversationInfoOf(context);
      await rememberConversation(options.engine.database.db, info);
      const actor = this.actorOf(context);
      const reply = await answerChatCommand({
        activationReply: (ids) => this.activationReply(ids, actor?.email),
        engine: options.engine,
        actor,
        text: context.activity.text ?? '',
        mentions: (context.activity.entities ?? [])
          .filter((e) => e.type === 'mention')
          .map((e) => String((e as { text?: string }).text ?? '')),
        conversation: info,
        fromName: context.activity.from.name ?? 'someone',
        link: (target) =>
          actor
            ? linkConversation(options.engine.database, { info, target, actor })
            : Promise.resolve({ ok: false, message: 'not in the directory' }),
        now: this.clock(),
      });
      await context.sendActivity(reply);
      await next();
    });
  }

  /** The directory user behind the activity's sender, matched by Entra object id (Outlook: see outlook-actions.ts). */
  private actorOf(context: TurnContext): Actor | undefined {
    return resolveActor(this.options.directory, actorRefOf(context.activity));
  }

  /** The `activate ID…` answer: a card per step whose button opens the dialog. */
  private async activationReply(ids: readonly string[], email: string | undefined) {
    const { text, cards } = await activationLauncherReply(this.options.engine, { actor: { email }, ids });
    return {
      type: 'message' as const,
      ...(text ? { text } : {}),
      attachments: cards.map((card) => CardFactory.adaptiveCard(card)),
    };
  }

  /** Activate (the step card's button, the chat command's card): the activation dialog, or why not. */
  protected override async handleTeamsTaskModuleFetch(
    context: TurnContext,
    request: TaskModuleRequest,
  ): Promise<TaskModuleResponse> {
    const launch = parseActivationLaunch(request.data);
    if (!launch)
      return { task: { type: 'message', value: 'This button does not open anything Runsheet knows.' } };
    if (!this.options.activation) {
      return {
        task: { type: 'message', value: 'The activation dialog is not available in this deployment.' },
      };
    }
    return answerActivationFetch(
      { engine: this.options.engine, ...this.options.activation },
      {
        actor: actorRefOf(context.activity),
        fromName: context.activity.from.name ?? '',
        step: launch.step,
        iteration: launch.iteration,
      },
    );
  }

  /** The dialog page closes itself through TeamsJS after sending; nothing more to show. */
  protected override async handleTeamsTaskModuleSubmit(): Promise<TaskModuleResponse> {
    return {};
  }

  /** A card button: execute it and answer with the refreshed card in the same HTTP response. */
  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    invoke: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    const { engine, logger } = this.options;
    const action = parseStepCardAction(invoke.action);
    if (action.kind === 'invalid') {
      return {
        statusCode: 400,
        type: 'application/vnd.microsoft.error',
        value: { code: 'BadRequest', message: action.problem } as never,
      };
    }
    const actor = this.actorOf(context);
    const outlook = isOutlookActivity(context.activity);
    const source: CommandSource = outlook ? 'outlook' : 'teams';
    const actorRef = actorRefOf(context.activity);
    let notice: CardNotice | null = null;
    if (!actor) {
      notice = {
        kind: 'refused',
        text: `${context.activity.from.name ?? 'You'} is not in the directory, so cannot act. A pilot adds you to your team's group.`,
      };
      await recordAuditEvent(engine.database.db, {
        actor: actorRef.aadObjectId ? `aad:${actorRef.aadObjectId}` : (actorRef.email ?? 'aad:unknown'),
        actorName: context.activity.from.name ?? '',
        iteration: action.iteration,
        subject: action.step,
        type: 'card.refused',
        details: { verb: invoke.action.verb, code: 'UNKNOWN_USER', source },
      });
    } else if (action.kind === 'work') {
      // A pilot's Hold shows its effect on the forecast first (cards/hold-confirmation.ts).
      const confirmation = needsHoldConfirmation(action, actor, invoke.action.data)
        ? await renderHoldConfirmation(engine, action, this.clock())
        : null;
      if (confirmation) return { statusCode: 200, type: CARD_CONTENT_TYPE, value: confirmation };
      const result = await engine.execute({
        action: action.action,
        subject: action.task ?? action.step,
        iteration: action.iteration,
        actor: actorRef,
        seen: action.seen,
        reason: action.reason,
        force: action.force,
        acknowledgeControls: action.acknowledgeControls,
        source,
        forecastSeen: forecastSeenIn(invoke.action.data),
      });
      notice = cardNoticeFor(result);
      logger.info(
        {
          verb: invoke.action.verb,
          step: action.step,
          outcome: result.outcome,
          audit: result.auditSeq,
          activity: context.activity.id,
        },
        'card action',
      );
    } else if (action.kind === 'control') {
      // A control's result or its confirmation, from the card of a step that shows the control.
      const result = await engine.execute({
        action: action.action,
        subject: action.control,
        iteration: action.iteration,
        actor: actorRef,
        seen: action.seen,
        reason: action.reason,
        source,
      });
      notice = cardNoticeFor(result);
      logger.info(
        {
          verb: invoke.action.verb,
          control: action.control,
          outcome: result.outcome,
          audit: result.auditSeq,
        },
        'card action',
      );
    } else if (action.kind === 'activate') {
      // A card posted before Activate opened a dialog: the card answered now has the new button.
      notice = {
        kind: 'refused',
        text: 'Activate now opens the activation email in a dialog: press Activate… on this refreshed card. Nothing was sent.',
      };
    }
    const card = await renderCardForViewer(engine, {
      step: action.step,
      iteration: action.iteration,
      viewer: actor ?? null,
      notice,
      now: this.clock(),
    });
    return {
      statusCode: 200,
      type: CARD_CONTENT_TYPE,
      value: outlook ? toOutlookCard(card, this.options.actionableOriginator) : card,
    };
  }
}
