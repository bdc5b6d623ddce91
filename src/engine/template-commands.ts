/**
 * Changing an email template: pilots only, one transaction, audited with what changed (subject
 * before and after, SHA-256 of the body before and after). Used by `runsheet template edit`, and
 * meant for the tab's admin view as well.
 */
import { sql } from '../db/orm.js';
import { sha256Hex } from '../audit/sha256.js';
import { queryRows } from '../db/client.js';
import { templateProblems, templateRemovals, type MailTemplate } from '../mail/render-template.js';
import { isTemplateName, TEMPLATE_NAMES } from '../mail/template-placeholders.js';
import { seedEmailTemplates } from '../mail/template-store.js';
import type { ActorRef, CommandSource } from './command.js';
import type { Engine } from './engine.js';
import { runPilotAction, type PilotActionResult } from './pilot-action.js';

export interface TemplateUpdate {
  actor: ActorRef;
  /** `activation` or `status-change`. */
  name: string;
  template: MailTemplate;
  source: CommandSource;
}

/**
 * Stores a pilot's new version of a template. Refused (and audited) for a non-pilot, an unknown
 * template, an unknown placeholder or HTML in the subject. The message says what sanitising will
 * keep out of mails, when the template's own HTML has any of it.
 */
export function updateEmailTemplate(
  engine: Engine,
  update: TemplateUpdate,
): Promise<PilotActionResult<{ removed: string[] }>> {
  const { name, template } = update;
  return runPilotAction(
    engine,
    {
      actor: update.actor,
      source: update.source,
      subject: `template:${name}`,
      event: 'template',
      details: { name },
      what: 'change an email template',
    },
    async ({ tx, actor, now, refuse, audit }) => {
      if (!isTemplateName(name)) {
        return refuse(
          'UNKNOWN_SUBJECT',
          `There is no email template "${name}" (templates: ${TEMPLATE_NAMES.join(', ')}).`,
        );
      }
      const problems = templateProblems(name, template);
      if (problems.length > 0) {
        return refuse('INVALID_INPUT', `The ${name} template was not changed: ${problems.join('; ')}.`);
      }
      await seedEmailTemplates(tx);
      const [before] = await queryRows<{ subject: string; body_html: string }>(
        tx,
        sql`select subject, body_html from email_templates where name = ${name} for update`,
      );
      await tx.execute(sql`update email_templates set subject = ${template.subject}, body_html = ${template.bodyHtml},
          updated_at = ${now.toISOString()}::timestamptz, updated_by = ${actor.email} where name = ${name}`);
      const removed = templateRemovals(name, template);
      const auditSeq = await audit('template.update', {
        name,
        subjectBefore: before?.subject ?? null,
        subject: template.subject,
        bodySha256Before: before ? sha256Hex(before.body_html) : null,
        bodySha256: sha256Hex(template.bodyHtml),
        removedFromMails: removed,
      });
      const note =
        removed.length > 0 ? ` Mails will not carry ${removed.join(', ')}: sanitising removes them.` : '';
      return {
        outcome: 'applied',
        message: `The ${name} template was changed by ${actor.name}.${note}`,
        auditSeq,
        removed,
      };
    },
  );
}
