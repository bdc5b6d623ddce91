/** `runsheet template list|show|edit|preview`: the email templates, from a terminal. */
import { formatLocalTime } from '../../engine/messages.js';
import { updateEmailTemplate } from '../../engine/template-commands.js';
import { formatTemplateDocument, readTemplateFile } from '../../mail/template-files.js';
import { isTemplateName, TEMPLATE_NAMES, type TemplateName } from '../../mail/template-placeholders.js';
import { previewTemplate } from '../../mail/template-preview.js';
import { getEmailTemplate, listEmailTemplates } from '../../mail/template-store.js';
import { CliError, positionals, requireActor, withCliContext, type CliOutput } from '../cli-context.js';
import type { CliOptions } from '../main.js';

function templateName(name: string | undefined): TemplateName {
  if (name === undefined || !isTemplateName(name)) {
    throw new CliError(
      `there is no email template "${name ?? ''}" (templates: ${TEMPLATE_NAMES.join(', ')})`,
    );
  }
  return name;
}

export async function runTemplate(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [verb, ...rest] = args;
  return withCliContext(env, async (context) => {
    const db = context.database.db;
    switch (verb) {
      case 'list': {
        positionals(rest, []);
        const templates = await listEmailTemplates(db);
        if (options.json) {
          output.out(JSON.stringify(templates));
          return 0;
        }
        for (const t of templates) {
          const origin = t.updatedBy
            ? `edited by ${t.updatedBy} at ${formatLocalTime(t.updatedAt, 'Europe/Zurich')}`
            : 'as seeded from templates/mail';
          output.out(`${t.name.padEnd(14)} ${origin}\n${''.padEnd(14)} subject: ${t.subject}`);
        }
        return 0;
      }
      case 'show': {
        const [name] = positionals(rest, ['NAME']);
        const template = await getEmailTemplate(db, templateName(name));
        output.out(options.json ? JSON.stringify(template) : formatTemplateDocument(template));
        return 0;
      }
      case 'edit': {
        const [name, file] = positionals(rest, ['NAME', 'FILE']);
        const email = requireActor(context, options.as);
        const template = readTemplateFile(file!);
        const result = await updateEmailTemplate(context.engine, {
          actor: { email },
          name: templateName(name),
          template,
          source: 'cli',
        });
        if (options.json) output.out(JSON.stringify(result));
        if (result.outcome === 'refused') {
          output.err(`runsheet: refused (${result.code}): ${result.message}`);
          return 1;
        }
        if (!options.json) output.out(result.message);
        return 0;
      }
      case 'preview': {
        const [name, step] = positionals(rest, ['NAME', 'STEP']);
        const person = options.as ? context.engine.directory.findByEmail(options.as)?.name : undefined;
        const preview = await previewTemplate(context.engine, {
          name: templateName(name),
          step: step!,
          iteration: options.iteration ?? null,
          personName: person ?? options.as ?? 'A pilot',
        });
        output.out(
          options.json ? JSON.stringify(preview) : `Subject: ${preview.subject}\n\n${preview.bodyHtml}`,
        );
        return 0;
      }
      default:
        throw new CliError(`template: expected list, show, edit or preview, not "${verb ?? ''}"`, 2);
    }
  });
}
