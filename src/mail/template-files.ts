/**
 * The file form of an email template, the same for the seeds in templates/mail/ and for what pilots
 * edit with `runsheet template show|edit`: an HTML document whose `<title>` is the subject and whose
 * `<body>` is the body. Anything else in the document (styles, head) is not kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../db/client.js';
import { htmlToPlainText } from '../teams/cards/plain-text.js';
import type { MailTemplate } from './render-template.js';
import { TEMPLATE_NAMES, type TemplateName } from './template-placeholders.js';

/** A template file that cannot be read as one, with what is wrong. */
export class TemplateFileError extends Error {
  readonly code = 'TEMPLATE_FILE';
  constructor(message: string) {
    super(message);
    this.name = 'TemplateFileError';
  }
}

/** Where the seed templates are, from src/ and from dist/src/ alike. */
export const seedTemplateFolder = () => path.join(packageRoot(), 'templates', 'mail');

/** Reads a template document; `source` names it in errors (a file path). */
export function parseTemplateDocument(document: string, source: string): MailTemplate {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(document);
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(document);
  const missing = [title ? null : '<title> (the subject)', body ? null : '<body>…</body>'].filter(Boolean);
  if (missing.length > 0) throw new TemplateFileError(`${source}: no ${missing.join(' and no ')}`);
  return {
    subject: htmlToPlainText(title![1]!),
    bodyHtml: dedent(body![1]!),
  };
}

/** The document `parseTemplateDocument` reads back to the same template. */
export function formatTemplateDocument(template: MailTemplate): string {
  const title = template.subject.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = template.bodyHtml
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : `    ${line}`))
    .join('\n');
  return `<!doctype html>\n<html>\n  <head>\n    <title>${title}</title>\n  </head>\n  <body>\n${body}\n  </body>\n</html>\n`;
}

/** Reads a template file, naming the file in any error. */
export function readTemplateFile(file: string): MailTemplate {
  let document: string;
  try {
    document = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new TemplateFileError(
      `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  return parseTemplateDocument(document, file);
}

/** The seed of every template, from templates/mail/<name>.html. */
export function readSeedTemplates(folder = seedTemplateFolder()): Map<TemplateName, MailTemplate> {
  return new Map(TEMPLATE_NAMES.map((name) => [name, readTemplateFile(path.join(folder, `${name}.html`))]));
}

/** Removes the indentation every non-blank line shares, and blank lines at both ends. */
function dedent(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^[ \t]*/.exec(line)![0].length);
  const common = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((line) => line.slice(common)).join('\n');
}
