/**
 * The outgoing work a change causes, as job requests enqueued in the change's own transaction.
 * Job kinds are the contract with the workers (Teams bot, mail); payloads carry ids, not
 * rendered content, so a worker always sends the latest state.
 */
import type { JobRequest } from '../jobs/queue.js';

export const JOB_KINDS = {
  /** Post the step's card in its team's channel if it has none, else update it in place. */
  stepCardSync: 'step-card.sync',
  /** One line in the pilots' channel for a step status change. */
  pilotsStatusNotice: 'pilots.status-notice',
  /** Status-change email to the pilots and the team's members. */
  statusChangeMail: 'mail.status-change',
  /** One mail to one recipient with every status change waiting for them (mail worker's own job). */
  statusDigestMail: 'mail.status-digest',
  /** A pilot's activation email to a step's team, with the step's actionable card. */
  activationMail: 'mail.activation',
} as const;

/** Card syncs coalesce per step and iteration: only the latest state is ever sent. */
export function stepCardSyncJob(iterationId: number, stepId: number): JobRequest {
  return {
    kind: JOB_KINDS.stepCardSync,
    payload: { iterationId, stepId },
    dedupeKey: `${JOB_KINDS.stepCardSync}:${iterationId}:${stepId}`,
  };
}

export interface StatusChange {
  iterationId: number;
  stepId: number;
  step: string;
  from: string;
  to: string;
  actorName: string;
  at: string;
  /** The reason given with the change (fail, hold, cancel), carried because a later change may clear it. */
  reason: string | null;
}

/**
 * Every step status change is told to the pilots' channel and mailed; neither coalesces. The
 * engine adds the change's audit sequence number to every payload, for correlation.
 */
export function statusChangeJobs(change: StatusChange): JobRequest[] {
  const payload = { ...change };
  return [
    { kind: JOB_KINDS.pilotsStatusNotice, payload },
    { kind: JOB_KINDS.statusChangeMail, payload },
  ];
}
