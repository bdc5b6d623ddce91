/**
 * The frame of an engine function only pilots may call (editing an email template, sending an
 * activation email): one transaction, the actor resolved through the directory, a refusal for
 * anyone else, and every outcome, refusals included, in the audit log. Same pattern as
 * `Engine.execute`, for changes that are not step, task or control transitions.
 */
import { appendAuditEvent } from '../audit/audit-log.js';
import type { Tx } from '../db/client.js';
import { describeActorRef, describeActorRole, resolveActor, type Actor } from './actor.js';
import type { ActorRef, CommandSource } from './command.js';
import type { Engine } from './engine.js';

export type PilotActionRefusalCode =
  | 'UNKNOWN_USER'
  | 'ROLE'
  | 'INVALID_INPUT'
  | 'UNKNOWN_SUBJECT'
  | 'UNKNOWN_ITERATION'
  | 'NO_ACTIVE_ITERATION'
  | 'ITERATION_NOT_ACTIVE'
  | 'COMMS_OFF';

export type PilotActionResult<T = object> =
  | ({ outcome: 'applied'; message: string; auditSeq: number } & T)
  | { outcome: 'refused'; code: PilotActionRefusalCode; message: string; auditSeq: number };

export interface PilotActionContext {
  tx: Tx;
  actor: Actor;
  now: Date;
  /** Records the refusal (`<event>.refused`) and builds the result. */
  refuse(code: PilotActionRefusalCode, message: string): Promise<PilotActionResult<never>>;
  /** Appends an audit event for this action, as the actor; returns its sequence number. */
  audit(type: string, details: Record<string, unknown>, iteration?: string | null): Promise<number>;
}

export interface PilotActionInput {
  actor: ActorRef;
  source: CommandSource;
  /** What the action is about, for the audit log: a template name, a step id. */
  subject: string;
  /** The audit event type's stem: refusals are `<event>.refused`. */
  event: string;
  /** What a refusal's event also records (the input, the iteration). */
  details: Record<string, unknown>;
  iteration?: string | null;
  /** The verb of the role refusal: "Only a pilot can <what>". */
  what: string;
}

/** Runs `body` for a pilot, in one transaction; anyone else is refused, and the refusal is audited. */
export function runPilotAction<T extends object>(
  engine: Engine,
  input: PilotActionInput,
  body: (context: PilotActionContext) => Promise<PilotActionResult<T>>,
): Promise<PilotActionResult<T>> {
  const now = engine.now();
  return engine.database.db.transaction(async (tx) => {
    const actor = resolveActor(engine.directory, input.actor);
    const audit = async (type: string, details: Record<string, unknown>, iteration = input.iteration) =>
      (
        await appendAuditEvent(tx, {
          actor: actor?.email ?? describeActorRef(input.actor),
          actorName: actor?.name ?? '',
          iteration: iteration ?? null,
          subject: input.subject,
          type,
          at: now,
          details: { source: input.source, ...details },
        })
      ).seq;
    const refuse = async (code: PilotActionRefusalCode, message: string) => ({
      outcome: 'refused' as const,
      code,
      message,
      auditSeq: await audit(`${input.event}.refused`, { ...input.details, code, message }),
    });
    if (!actor) {
      const who = describeActorRef(input.actor);
      return refuse(
        'UNKNOWN_USER',
        `${who} is not in the directory (${engine.directory.source}), so cannot act.`,
      );
    }
    if (!actor.isPilot) {
      return refuse('ROLE', `Only a pilot can ${input.what}. ${describeActorRole(actor)}.`);
    }
    return body({ tx, actor, now, refuse, audit });
  });
}
