/**
 * What a mail about one step shows: the step's card data (the same as the Teams card's), its
 * description, the placeholder values of the activation template, and the card as Outlook gets it.
 */
import { sql } from '../db/orm.js';
import { queryRows } from '../db/client.js';
import type { Engine } from '../engine/engine.js';
import {
  buildStepCardView,
  formatMinutes,
  renderStepCard,
  type AdaptiveCard,
} from '../teams/cards/render-step-card.js';
import { loadStepCardData, type StepCardData } from '../teams/cards/step-card-data.js';
import { escapeHtml, type PlaceholderValues } from './render-template.js';
import { toOutlookCard } from './outlook-card.js';

export interface StepMail {
  data: StepCardData;
  descriptionHtml: string;
}

/** Reads the step's mail data (throws NotFoundError for an unknown step or iteration). */
export async function loadStepMail(
  engine: Engine,
  iterationId: number,
  stepId: number,
  now: Date,
): Promise<StepMail> {
  const data = await loadStepCardData(engine, iterationId, stepId, now);
  const [row] = await queryRows<{ description_html: string }>(
    engine.database.db,
    sql`select description_html from steps where id = ${stepId}`,
  );
  return { data, descriptionHtml: row?.description_html ?? '' };
}

/** The activation template's placeholder values for this step, sent by `pilotName`. */
export function stepPlaceholderValues(mail: StepMail, pilotName: string): PlaceholderValues {
  const { data } = mail;
  const view = buildStepCardView(data, null);
  const url = data.instructionsUrl.trim();
  const webUrl = /^https?:\/\//i.test(url) ? url : '';
  return {
    'step.id': data.id,
    'step.title': data.title,
    'step.description': mail.descriptionHtml,
    'step.phase': data.phase,
    'step.chapter': data.chapter,
    'step.environment': data.environment || '—',
    'step.duration': data.durationMinutes === null ? '—' : formatMinutes(data.durationMinutes),
    'step.status': view.status.label,
    'step.predecessors': view.facts.find((fact) => fact.label === 'After')?.value ?? '',
    'step.tasks': taskList(data),
    team: data.team,
    iteration: data.iteration.name,
    plannedStart: data.plannedWindow?.start ?? 'not scheduled',
    plannedEnd: data.plannedWindow?.end ?? 'not scheduled',
    instructionsUrl: webUrl,
    instructionsLink: webUrl ? `<a href="${escapeHtml(webUrl)}">${escapeHtml(webUrl)}</a>` : 'none given',
    'pilot.name': pilotName,
  };
}

function taskList(data: StepCardData): string {
  if (data.tasks.length === 0) return '';
  const items = data.tasks.map(
    (task) =>
      `<li><strong>${escapeHtml(task.id)}</strong> (${escapeHtml(task.team)}, ${escapeHtml(task.status)}): ${escapeHtml(task.description)}</li>`,
  );
  return `<p><strong>Tasks</strong></p><ul>${items.join('')}</ul>`;
}

/** The shared step card (the team's buttons and Refresh) as an Outlook actionable card. */
export function stepMailCard(data: StepCardData, originator: string | undefined): AdaptiveCard {
  return toOutlookCard(renderStepCard(data, null, { refreshUserIds: [] }), originator);
}
