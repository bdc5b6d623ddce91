/**
 * The `mail.activation` job: sends a pilot's activation email with the step's actionable card in its
 * head. The body is the pilot's final version (stored in the job by `sendActivationMail`); the card
 * is rendered now, from the latest state, and refreshes itself in Outlook whenever the mail is opened.
 */
import type { ActivationMailJob } from '../engine/activation-mail.js';
import { NotFoundError } from '../engine/read-models.js';
import type { ClaimedJob } from '../jobs/queue.js';
import type { JobOutcome } from '../jobs/worker.js';
import { composeMailDocument } from './compose-mail.js';
import { alreadySent, sendAndAudit, type MailJobDeps } from './mail-job-deps.js';
import { loadStepMail, stepMailCard } from './step-mail.js';

export async function sendActivationMailJob(deps: MailJobDeps, job: ClaimedJob): Promise<JobOutcome> {
  const payload = job.payload as unknown as ActivationMailJob;
  if (await alreadySent(deps, payload.step, job.id)) return { status: 'done' };
  let mail;
  try {
    mail = await loadStepMail(deps.engine, payload.iterationId, payload.stepId, deps.clock());
  } catch (error) {
    // The step was archived by a re-import since the pilot pressed Send: nothing to activate.
    if (error instanceof NotFoundError) return { status: 'failed', error: error.message };
    throw error;
  }
  const html = composeMailDocument({
    bodyHtml: payload.bodyHtml,
    card: stepMailCard(mail.data, deps.actionableOriginator),
    testBanner:
      payload.comms === 'test'
        ? `TEST · ${payload.iteration} runs with comms in test mode: this mail went to the pilots only, not to ${payload.requestedTo.join(', ')}.`
        : null,
  });
  const { outcome } = await sendAndAudit(
    deps,
    job,
    { from: deps.from, to: payload.to, cc: payload.cc, subject: payload.subject, html },
    {
      subject: payload.step,
      iteration: payload.iteration,
      details: { kind: 'activation', causedBy: payload.auditSeq ?? null, comms: payload.comms },
    },
  );
  return outcome;
}
