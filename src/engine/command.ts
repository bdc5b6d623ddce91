/**
 * The one command every door (Teams card, Outlook card, chat command, tab, CLI) turns its input
 * into, and the result it gets back. See engine.ts for the write path that executes it.
 */
import type { DurationBasis } from '../domain/duration-basis.js';
import type { ControlAction, WorkAction } from '../domain/statuses.js';
import type { RefusalCode } from '../domain/transitions.js';

export type CommandSource = 'teams' | 'outlook' | 'command' | 'tab' | 'cli' | 'system';

/** `set-duration-basis`: which durations the iteration's forecast uses (`durationBasis`). */
export type IterationAction = 'activate' | 'close' | 'set-duration-basis';

export const ITERATION_ACTIONS: readonly IterationAction[] = ['activate', 'close', 'set-duration-basis'];

/** Who acts: an Entra object id (Teams, Outlook, tab) or an email (CLI), resolved by the directory. */
export interface ActorRef {
  aadObjectId?: string;
  email?: string;
}

export interface Command {
  /** A work action (steps, tasks), a control action, or an iteration action. */
  action: WorkAction | ControlAction | IterationAction;
  /** The step, task or control id as typed (read forgivingly), or the iteration name. */
  subject: string;
  /** Iteration name; the active iteration when omitted. Ignored for iteration actions. */
  iteration?: string | null;
  actor: ActorRef;
  /**
   * The status the actor saw when acting. When it no longer holds, nothing changes and the actor
   * is told who did what, when. Omitted by doors that show no status (the CLI, chat commands).
   */
  seen?: string | null;
  reason?: string | null;
  /** A pilot's override of readiness, open tasks or the parent step's status; audited. */
  force?: boolean;
  source: CommandSource;
  /** For `set-duration-basis`: the durations the iteration's forecast is to use. */
  durationBasis?: DurationBasis;
  /** The what-if forecast the actor confirmed (the Hold confirmation card); kept in the audit details. */
  forecastSeen?: Record<string, unknown>;
  /**
   * Done on a go/no-go step (IGO, BGO, GON) while controls of its phase are OPEN or FAILED: the
   * actor (a pilot) saw them and marks the step done anyway. The controls open or failed at that
   * moment are kept in the audit details (`openControls`). Ignored by every other action.
   */
  acknowledgeControls?: boolean;
}

export type EngineRefusalCode =
  | RefusalCode
  | 'UNKNOWN_USER'
  | 'UNKNOWN_SUBJECT'
  | 'UNKNOWN_ITERATION'
  | 'NO_ACTIVE_ITERATION'
  | 'ITERATION_NOT_ACTIVE'
  | 'ANOTHER_ITERATION_ACTIVE'
  | 'NOT_IN_SCOPE'
  | 'UNKNOWN_ACTION';

/** The last accepted change of a subject: what a stale or repeated command is told. */
export interface LastChange {
  action: string;
  byName: string;
  by: string;
  at: Date;
}

interface ResultBase {
  /** What the subject is, once it was recognised. */
  kind?: 'step' | 'task' | 'control' | 'iteration';
  /** Canonical id or iteration name, once recognised. */
  subject?: string;
  iteration?: string;
  /** A sentence fit to show the actor. */
  message: string;
  /** The audit event that records this command. */
  auditSeq: number;
}

export type CommandResult =
  | (ResultBase & {
      outcome: 'applied';
      kind: 'step' | 'task' | 'control' | 'iteration';
      subject: string;
      from: string;
      to: string;
      forced: boolean;
      /** Steps that became ready through this change (their cards are being posted). */
      becameReady: string[];
    })
  /** The same command was already applied (a double click, a retried request): nothing changed. */
  | (ResultBase & { outcome: 'duplicate'; current: string; last: LastChange })
  /** The actor saw a status that no longer holds: nothing changed. */
  | (ResultBase & { outcome: 'stale'; current: string; last: LastChange | null })
  | (ResultBase & { outcome: 'refused'; code: EngineRefusalCode });
