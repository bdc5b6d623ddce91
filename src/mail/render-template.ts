/**
 * Fills an email template's placeholders. Pure: the values come in, the subject and the body's
 * HTML come out. Text values are escaped, rich values sanitised, and the whole body is sanitised
 * once more at the end (with the import's sanitiser), so nothing executable written in a template,
 * a plan or an edit ever reaches a mail.
 */
import { sanitizeRichText, sanitizeRichTextWithReport } from '../import/sanitize-html.js';
import { PLACEHOLDERS, type PlaceholderSpec, type TemplateName } from './template-placeholders.js';

export interface MailTemplate {
  subject: string;
  bodyHtml: string;
}

/** Raw values by placeholder name; how each is inserted follows its kind (template-placeholders.ts). */
export type PlaceholderValues = Partial<Record<string, string>>;

const PLACEHOLDER = /\{\{\s*([A-Za-z][\w.]*)\s*\}\}/g;

/** `&`, `<`, `>`, `"` and `'` as entities: safe in element text and in quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const isWebUrl = (value: string) => /^https?:\/\/[^\s"'<>]+$/i.test(value.trim());

/** The placeholder names a text uses, each once, in order. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/** Problems that stop a template from being stored: unknown placeholders, HTML in the subject. */
export function templateProblems(name: TemplateName, template: MailTemplate): string[] {
  const specs = new Map(PLACEHOLDERS[name].map((spec) => [spec.name, spec]));
  const problems: string[] = [];
  if (template.subject.trim() === '') problems.push('the subject is empty (a <title> element gives it)');
  if (template.bodyHtml.trim() === '') problems.push('the body is empty');
  const unknown = placeholdersIn(`${template.subject}\n${template.bodyHtml}`).filter((p) => !specs.has(p));
  if (unknown.length > 0) {
    problems.push(
      `unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `{{${p}}}`).join(', ')} ` +
        `(the ${name} template knows ${[...specs.keys()].map((p) => `{{${p}}}`).join(', ')})`,
    );
  }
  const richInSubject = placeholdersIn(template.subject).filter((p) => specs.get(p)?.kind === 'rich');
  if (richInSubject.length > 0) {
    problems.push(
      `the subject is plain text: ${richInSubject.map((p) => `{{${p}}}`).join(', ')} can only be used in the body`,
    );
  }
  return problems;
}

/**
 * What sanitising would take out of the template's own HTML (not of the values): said to the pilot
 * who saves it, since it will never reach a mail.
 */
export function templateRemovals(name: TemplateName, template: MailTemplate): string[] {
  const sample = fillBody(template.bodyHtml, PLACEHOLDERS[name], (spec) =>
    spec.kind === 'url' ? 'https://example.org/' : '',
  );
  return sanitizeRichTextWithReport(sample).removed;
}

/** Fills the template: subject as plain text on one line, body as sanitised HTML. */
export function renderMailTemplate(
  name: TemplateName,
  template: MailTemplate,
  values: PlaceholderValues,
): MailTemplate {
  const specs = PLACEHOLDERS[name];
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const subject = template.subject
    .replace(PLACEHOLDER, (whole, placeholder: string) => {
      const spec = byName.get(placeholder);
      if (!spec || spec.kind === 'rich') return whole;
      return values[placeholder] ?? '';
    })
    // A header is one line: line breaks in a value (or the template) become spaces.
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
  const body = fillBody(template.bodyHtml, specs, (spec) => values[spec.name] ?? '');
  return { subject, bodyHtml: sanitizeRichText(body) };
}

function fillBody(
  bodyHtml: string,
  specs: readonly PlaceholderSpec[],
  valueOf: (spec: PlaceholderSpec) => string,
): string {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  return bodyHtml.replace(PLACEHOLDER, (whole, placeholder: string) => {
    const spec = byName.get(placeholder);
    // An unknown placeholder (a template stored before one was retired) stays visible as written.
    if (!spec) return escapeHtml(whole);
    const value = valueOf(spec);
    switch (spec.kind) {
      case 'text':
        return escapeHtml(value);
      case 'rich':
        return sanitizeRichText(value);
      case 'url':
        return isWebUrl(value) ? escapeHtml(value.trim()) : '';
    }
  });
}
