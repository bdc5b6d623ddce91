/**
 * A template filled in for a chosen step and iteration, as a mail would carry it: what pilots check
 * before and after editing (`runsheet template preview`, the tab's admin view). The status-change
 * template is shown with the step's current status as its one change.
 */
import { parseAnyId } from '../domain/ids.js';
import type { Engine } from '../engine/engine.js';
import { findIterationByName, NotFoundError } from '../engine/read-models.js';
import { formatLocalTime } from '../engine/messages.js';
import {
  escapeHtml,
  renderMailTemplate,
  type MailTemplate,
  type PlaceholderValues,
} from './render-template.js';
import { loadStepMail, stepPlaceholderValues } from './step-mail.js';
import type { TemplateName } from './template-placeholders.js';
import { getEmailTemplate } from './template-store.js';

export interface TemplatePreviewInput {
  name: TemplateName;
  /** A step id, read forgivingly. */
  step: string;
  /** The iteration; the active one when null. */
  iteration: string | null;
  /** Who the preview is for (the activation's sender, the status mail's recipient). */
  personName: string;
  /** A template not stored yet (a file being edited); the stored one when absent. */
  template?: MailTemplate;
}

/** Renders the template for the step; throws NotFoundError naming an unknown step or iteration. */
export async function previewTemplate(engine: Engine, input: TemplatePreviewInput): Promise<MailTemplate> {
  const db = engine.database.db;
  const iteration = await findIterationByName(db, input.iteration);
  if (!iteration) {
    throw new NotFoundError(
      input.iteration === null
        ? 'No iteration is active; name one with --iteration.'
        : `There is no iteration "${input.iteration}".`,
    );
  }
  const snapshot = await engine.snapshot();
  const parsed = parseAnyId(input.step, (type) => snapshot.stepTypes.has(type));
  const index = parsed.ok && parsed.id.kind === 'step' ? snapshot.indexOfKey(parsed.id.canonical) : undefined;
  if (index === undefined) throw new NotFoundError(`There is no step ${input.step} in the plan.`);
  const mail = await loadStepMail(engine, iteration.id, snapshot.steps[index]!.dbId, engine.now());
  const template = input.template ?? (await getEmailTemplate(db, input.name));
  let values: PlaceholderValues;
  if (input.name === 'activation') {
    values = stepPlaceholderValues(mail, input.personName);
  } else {
    const line = `${mail.data.id} ${mail.data.status === 'OPEN' ? 'is open' : `is ${mail.data.status.toLowerCase().replace('_', ' ')}`}`;
    const at = formatLocalTime(engine.now(), iteration.timeZone);
    values = {
      'recipient.name': input.personName,
      iteration: iteration.name,
      changes: `<ul><li>${escapeHtml(at)} · <strong>${escapeHtml(line)}</strong> · ${escapeHtml(mail.data.title)}</li></ul>`,
      'changes.count': '1',
      'changes.summary': line,
    };
  }
  return renderMailTemplate(input.name, template, values);
}
