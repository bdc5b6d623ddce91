/**
 * The mail job handlers, by job kind, for the service's JobWorker: activation emails, and
 * status-change emails batched per recipient (status-mail-jobs.ts). Every mail goes through the
 * MailTransport port: Microsoft Graph in production, the local outbox otherwise.
 */
import { JOB_KINDS } from '../engine/outgoing-jobs.js';
import type { JobHandler } from '../jobs/worker.js';
import { sendActivationMailJob } from './activation-mail-job.js';
import type { MailJobDeps } from './mail-job-deps.js';
import { queueStatusChangeMail, sendStatusDigest } from './status-mail-jobs.js';

export type { MailJobDeps } from './mail-job-deps.js';

export function createMailJobHandlers(deps: MailJobDeps): Record<string, JobHandler> {
  return {
    [JOB_KINDS.activationMail]: (job) => sendActivationMailJob(deps, job),
    [JOB_KINDS.statusChangeMail]: (job) => queueStatusChangeMail(deps, job),
    [JOB_KINDS.statusDigestMail]: (job) => sendStatusDigest(deps, job),
  };
}
