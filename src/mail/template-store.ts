/**
 * Email templates in the database (`email_templates`). The service seeds the missing ones from
 * templates/mail/ at start; a template already there, seeded or edited by a pilot, is never
 * overwritten. Changes go through `updateEmailTemplate` (src/engine/template-commands.ts).
 */
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';
import { readSeedTemplates } from './template-files.js';
import type { MailTemplate } from './render-template.js';
import { TEMPLATE_NAMES, type TemplateName } from './template-placeholders.js';

export interface StoredTemplate extends MailTemplate {
  name: TemplateName;
  updatedAt: Date;
  /** Who last edited it; null while it is the seed from templates/mail/. */
  updatedBy: string | null;
}

/** Inserts the seed of every template that is not in the database yet; returns the names added. */
export async function seedEmailTemplates(
  db: Queryable,
  seeds: Map<TemplateName, MailTemplate> = readSeedTemplates(),
): Promise<TemplateName[]> {
  const added: TemplateName[] = [];
  for (const [name, seed] of seeds) {
    const rows = await queryRows<{ name: TemplateName }>(
      db,
      sql`insert into email_templates (name, subject, body_html) values (${name}, ${seed.subject}, ${seed.bodyHtml})
          on conflict (name) do nothing returning name`,
    );
    if (rows.length > 0) added.push(name);
  }
  return added;
}

interface TemplateRow {
  name: TemplateName;
  subject: string;
  body_html: string;
  updated_at: Date | string;
  updated_by: string | null;
}

const fromRow = (row: TemplateRow): StoredTemplate => ({
  name: row.name,
  subject: row.subject,
  bodyHtml: row.body_html,
  updatedAt: toDate(row.updated_at)!,
  updatedBy: row.updated_by,
});

/** Every known template, in TEMPLATE_NAMES order; ones missing from the database are seeded first. */
export async function listEmailTemplates(db: Queryable): Promise<StoredTemplate[]> {
  let rows = await queryRows<TemplateRow>(
    db,
    sql`select name, subject, body_html, updated_at, updated_by from email_templates`,
  );
  if (TEMPLATE_NAMES.some((name) => !rows.some((row) => row.name === name))) {
    await seedEmailTemplates(db);
    rows = await queryRows<TemplateRow>(
      db,
      sql`select name, subject, body_html, updated_at, updated_by from email_templates`,
    );
  }
  return TEMPLATE_NAMES.flatMap((name) => {
    const row = rows.find((r) => r.name === name);
    return row ? [fromRow(row)] : [];
  });
}

/** One template (seeded first if it is missing). */
export async function getEmailTemplate(db: Queryable, name: TemplateName): Promise<StoredTemplate> {
  const found = (await listEmailTemplates(db)).find((template) => template.name === name);
  if (!found) throw new Error(`the ${name} template has no seed in templates/mail/`);
  return found;
}
