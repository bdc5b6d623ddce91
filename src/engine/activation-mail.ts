/**
 * The activation email: a pilot tells a step's team to get going. `draftActivationMail` renders
 * what the dialog shows (recipients from the directory, subject and body from the `activation`
 * template); `sendActivationMail` records the pilot's final version and enqueues the
 * `mail.activation` job that sends it, in one transaction with its audit event (recipients,
 * subject, SHA-256 of the final body, whether the pilot edited it). Comms mode `test` sends to the
 * pilots only; `off` sends nothing and says so.
 */
import { sql } from '../db/orm.js';
import { sha256Hex } from '../audit/sha256.js';
import { queryRows } from '../db/client.js';
import { parseAnyId } from '../domain/ids.js';
import { enqueueJobs } from '../jobs/queue.js';
import { renderMailTemplate } from '../mail/render-template.js';
import { loadStepMail, stepPlaceholderValues } from '../mail/step-mail.js';
import { getEmailTemplate } from '../mail/template-store.js';
import { sanitizeRichText } from '../import/sanitize-html.js';
import { resolveActor, describeActorRole } from './actor.js';
import type { ActorRef, CommandSource } from './command.js';
import type { Engine, IterationRow } from './engine.js';
import { JOB_KINDS } from './outgoing-jobs.js';
import { runPilotAction, type PilotActionRefusalCode, type PilotActionResult } from './pilot-action.js';
import { findIterationByName } from './read-models.js';

export interface MailPerson {
  name: string;
  email: string;
}

export interface ActivationDraft {
  step: string;
  stepId: number;
  title: string;
  team: string;
  iteration: string;
  iterationId: number;
  comms: 'test' | 'live';
  /** The team's members (from its AD group through the directory). */
  to: MailPerson[];
  /** The pilots. */
  cc: MailPerson[];
  subject: string;
  bodyHtml: string;
}

export type DraftResult =
  { ok: true; draft: ActivationDraft } | { ok: false; code: PilotActionRefusalCode; message: string };

const MAX_RECIPIENTS = 500;
const MAX_SUBJECT_LENGTH = 255;
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** The iteration and step an activation is about, checked: active iteration, comms not off, step in the plan. */
async function findActivationSubject(
  engine: Engine,
  input: { step: string; iteration: string | null },
): Promise<
  | { ok: true; iteration: IterationRow & { comms: 'test' | 'live' }; stepKey: string; stepId: number }
  | { ok: false; code: PilotActionRefusalCode; message: string }
> {
  const db = engine.database.db;
  const iteration = await findIterationByName(db, input.iteration);
  if (!iteration) {
    return input.iteration === null
      ? {
          ok: false,
          code: 'NO_ACTIVE_ITERATION',
          message: 'No iteration is active; a pilot activates one first.',
        }
      : { ok: false, code: 'UNKNOWN_ITERATION', message: `There is no iteration "${input.iteration}".` };
  }
  if (iteration.status !== 'ACTIVE') {
    return {
      ok: false,
      code: 'ITERATION_NOT_ACTIVE',
      message: `${iteration.name} is not active: no activation email.`,
    };
  }
  if (iteration.comms === 'off') {
    return {
      ok: false,
      code: 'COMMS_OFF',
      message: `Comms are off in ${iteration.name}: no email is sent. Nothing was sent to anyone.`,
    };
  }
  const snapshot = await engine.snapshot();
  const parsed = parseAnyId(input.step, (type) => snapshot.stepTypes.has(type));
  const index = parsed.ok && parsed.id.kind === 'step' ? snapshot.indexOfKey(parsed.id.canonical) : undefined;
  if (index === undefined) {
    return { ok: false, code: 'UNKNOWN_SUBJECT', message: `There is no step ${input.step} in the plan.` };
  }
  const step = snapshot.steps[index]!;
  return {
    ok: true,
    iteration: { ...iteration, comms: iteration.comms },
    stepKey: step.key,
    stepId: step.dbId,
  };
}

/**
 * What the activation dialog starts from: To (the team's members), Cc (the pilots), subject and
 * body from the template. Reads only; a non-pilot, an inactive iteration or comms `off` get a
 * refusal to show (the send is what is audited).
 */
export async function draftActivationMail(
  engine: Engine,
  input: { actor: ActorRef; step: string; iteration: string | null },
): Promise<DraftResult> {
  const actor = resolveActor(engine.directory, input.actor);
  if (!actor)
    return { ok: false, code: 'UNKNOWN_USER', message: 'You are not in the directory, so cannot act.' };
  if (!actor.isPilot) {
    return {
      ok: false,
      code: 'ROLE',
      message: `Only a pilot can send an activation email. ${describeActorRole(actor)}.`,
    };
  }
  const subject = await findActivationSubject(engine, input);
  if (!subject.ok) return subject;
  const mail = await loadStepMail(engine, subject.iteration.id, subject.stepId, engine.now());
  const template = await getEmailTemplate(engine.database.db, 'activation');
  const rendered = renderMailTemplate('activation', template, stepPlaceholderValues(mail, actor.name));
  const person = (user: { name: string; email: string }) => ({ name: user.name, email: user.email });
  return {
    ok: true,
    draft: {
      step: mail.data.id,
      stepId: subject.stepId,
      title: mail.data.title,
      team: mail.data.team,
      iteration: subject.iteration.name,
      iterationId: subject.iteration.id,
      comms: subject.iteration.comms,
      to: engine.directory.membersOf(mail.data.team).map(person),
      cc: engine.directory.pilots().map(person),
      subject: rendered.subject,
      bodyHtml: rendered.bodyHtml,
    },
  };
}

export interface ActivationSend {
  actor: ActorRef;
  step: string;
  iteration: string;
  to: string[];
  cc: string[];
  subject: string;
  /** The pilot's body; null when they left the template's rendering as it was. */
  bodyHtml: string | null;
  source: CommandSource;
}

export interface ActivationSent {
  /** Who the mail goes to (comms `test`: the pilots only). */
  to: string[];
  cc: string[];
  edited: boolean;
}

/** Payload of a `mail.activation` job. */
export interface ActivationMailJob {
  iterationId: number;
  stepId: number;
  step: string;
  iteration: string;
  comms: 'test' | 'live';
  to: string[];
  cc: string[];
  /** Who the pilot addressed; in comms `test` the mail goes to the pilots instead. */
  requestedTo: string[];
  subject: string;
  bodyHtml: string;
  auditSeq?: number;
}

/**
 * Records a pilot's activation email and enqueues the job that sends it (pilots only; comms `off`
 * refuses). The audit event `mail.activation` holds the recipients, the subject, the SHA-256 of the
 * final (sanitised) body and whether the pilot edited the body, subject or recipients.
 */
export async function sendActivationMail(
  engine: Engine,
  input: ActivationSend,
): Promise<PilotActionResult<ActivationSent>> {
  // Everything that reads outside the transaction is read first: PGlite has one connection.
  const subject = await findActivationSubject(engine, { step: input.step, iteration: input.iteration });
  const actor = resolveActor(engine.directory, input.actor);
  const draft = subject.ok && actor?.isPilot ? await draftActivationMail(engine, input) : null;
  const requested = {
    to: normaliseAddresses(input.to),
    cc: normaliseAddresses(input.cc),
    subject: input.subject.replace(/[\r\n\t]+/g, ' ').trim(),
  };
  return runPilotAction(
    engine,
    {
      actor: input.actor,
      source: input.source,
      subject: subject.ok ? subject.stepKey : input.step,
      event: 'mail.activation',
      details: { step: input.step, to: requested.to, cc: requested.cc, subject: requested.subject },
      iteration: subject.ok ? subject.iteration.name : input.iteration,
      what: 'send an activation email',
    },
    async ({ tx, refuse, audit }) => {
      if (!subject.ok) return refuse(subject.code, subject.message);
      if (!draft?.ok)
        return refuse(draft?.code ?? 'UNKNOWN_SUBJECT', draft?.message ?? 'The step cannot be read.');
      const problems = addressProblems(requested.to, requested.cc);
      if (requested.subject === '') problems.push('the subject is empty');
      if (requested.subject.length > MAX_SUBJECT_LENGTH)
        problems.push(`the subject is longer than ${MAX_SUBJECT_LENGTH} characters`);
      if (problems.length > 0) return refuse('INVALID_INPUT', `Nothing was sent: ${problems.join('; ')}.`);
      // Comms may have changed since the lookup: the row, read in this transaction, decides.
      const [now] = await queryRows<{ comms: string; status: string }>(
        tx,
        sql`select comms, status from iterations where id = ${subject.iteration.id} for share`,
      );
      if (now?.comms === 'off') {
        return refuse(
          'COMMS_OFF',
          `Comms are off in ${subject.iteration.name}: no email is sent. Nothing was sent to anyone.`,
        );
      }
      if (now?.status !== 'ACTIVE') {
        return refuse(
          'ITERATION_NOT_ACTIVE',
          `${subject.iteration.name} is not active: no activation email.`,
        );
      }
      const comms = now.comms === 'live' ? 'live' : 'test';
      const body = input.bodyHtml === null ? draft.draft.bodyHtml : sanitizeRichText(input.bodyHtml);
      const edited = body !== draft.draft.bodyHtml;
      const pilots = draft.draft.cc.map((p) => p.email);
      // Test mode: the pilots get what the team would have got, and nobody else.
      const recipients = comms === 'live' ? { to: requested.to, cc: requested.cc } : { to: pilots, cc: [] };
      const mailSubject = comms === 'live' ? requested.subject : `[TEST] ${requested.subject}`;
      const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
      const auditSeq = await audit('mail.activation', {
        step: draft.draft.step,
        comms,
        to: recipients.to,
        cc: recipients.cc,
        requestedTo: requested.to,
        requestedCc: requested.cc,
        subject: mailSubject,
        bodySha256: sha256Hex(body),
        edited,
        subjectEdited: requested.subject !== draft.draft.subject,
        recipientsEdited:
          !sameList([...requested.to].sort(), draft.draft.to.map((p) => p.email.toLowerCase()).sort()) ||
          !sameList([...requested.cc].sort(), draft.draft.cc.map((p) => p.email.toLowerCase()).sort()),
      });
      const job: ActivationMailJob = {
        iterationId: subject.iteration.id,
        stepId: subject.stepId,
        step: draft.draft.step,
        iteration: subject.iteration.name,
        comms,
        to: recipients.to,
        cc: recipients.cc,
        requestedTo: requested.to,
        subject: mailSubject,
        bodyHtml: body,
        auditSeq,
      };
      await enqueueJobs(tx, [{ kind: JOB_KINDS.activationMail, payload: { ...job } }], engine.now());
      const who =
        comms === 'live'
          ? `${recipients.to.length} recipient${recipients.to.length === 1 ? '' : 's'}${recipients.cc.length > 0 ? `, ${recipients.cc.length} in copy` : ''}`
          : `the pilots only (comms are in test mode in ${subject.iteration.name})`;
      return {
        outcome: 'applied',
        message: `The activation email for ${draft.draft.step} is on its way to ${who}.`,
        auditSeq,
        to: recipients.to,
        cc: recipients.cc,
        edited,
      };
    },
  );
}

/** Trimmed, lower case, each once, in the order given; empty entries dropped. */
function normaliseAddresses(addresses: readonly string[]): string[] {
  return [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter((a) => a !== ''))];
}

function addressProblems(to: string[], cc: string[]): string[] {
  const problems: string[] = [];
  if (to.length === 0) problems.push('there is no recipient in To');
  const bad = [...to, ...cc].filter((address) => !EMAIL.test(address));
  if (bad.length > 0) problems.push(`not an email address: ${bad.join(', ')}`);
  if (to.length + cc.length > MAX_RECIPIENTS) problems.push(`more than ${MAX_RECIPIENTS} recipients`);
  return problems;
}
