/**
 * The placeholders each email template may use. A placeholder is `{{name}}` (spaces inside the
 * braces allowed). How its value reaches the mail depends on its kind, never on how it is written:
 * - `text`: HTML-escaped in the body (a `<script>` in a step title is shown, never run); as is in
 *   the subject, which is plain text;
 * - `rich`: HTML the service made or sanitised (a step's description, a list of changes), body only;
 * - `url`: an http(s) address, escaped; anything else becomes empty.
 * docs/teams.md lists them for pilots; keep the two in step.
 */

export const TEMPLATE_NAMES = ['activation', 'status-change'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export type PlaceholderKind = 'text' | 'rich' | 'url';

export interface PlaceholderSpec {
  name: string;
  kind: PlaceholderKind;
  description: string;
}

const text = (name: string, description: string): PlaceholderSpec => ({ name, kind: 'text', description });
const rich = (name: string, description: string): PlaceholderSpec => ({ name, kind: 'rich', description });

/** What every step mail knows about its step. */
const STEP_PLACEHOLDERS: PlaceholderSpec[] = [
  text('step.id', 'The step id, `TRT-10011`.'),
  text('step.title', 'The step title.'),
  rich('step.description', "The step's rich description from the plan, sanitised."),
  text('step.phase', 'The phase of the step.'),
  text('step.chapter', 'The chapter of the step.'),
  text('step.environment', 'The environment (`PROD`, …), `—` when none.'),
  text('step.duration', 'The indicative duration, `45 min`, `1 h 30 min`, `—` when none.'),
  text('step.status', 'The status in the iteration now, `READY`, `IN PROGRESS`, …'),
  text('step.predecessors', 'Its effective predecessors with their status, or `nothing: first in line`.'),
  rich('step.tasks', 'The tasks of the step with their team and status, as a list; empty without tasks.'),
  text('team', "The step's owning team."),
  text('iteration', 'The iteration, `Run1`.'),
  text('plannedStart', "The chapter's planned start in the iteration's time zone, `2026-12-05 19:00 CET`."),
  text('plannedEnd', "The chapter's planned end, same form; both say `not scheduled` without a schedule."),
  {
    name: 'instructionsUrl',
    kind: 'url',
    description: 'The instructions link (http or https only), or empty.',
  },
  rich('instructionsLink', 'The instructions link as a link, or `none given`.'),
  text('pilot.name', 'The pilot who sends the activation.'),
];

const STATUS_CHANGE_PLACEHOLDERS: PlaceholderSpec[] = [
  text('recipient.name', 'The person the mail is for.'),
  text('iteration', 'The iteration(s) the changes happened in.'),
  rich('changes', 'The status changes, one list item each, oldest first, with step title and time.'),
  text('changes.count', 'How many changes the mail lists.'),
  text(
    'changes.summary',
    'One change as a line (`TRT-10011 started by Leo Testing`), else `3 status changes`.',
  ),
];

export const PLACEHOLDERS: Record<TemplateName, readonly PlaceholderSpec[]> = {
  activation: STEP_PLACEHOLDERS,
  'status-change': STATUS_CHANGE_PLACEHOLDERS,
};

export function isTemplateName(name: string): name is TemplateName {
  return (TEMPLATE_NAMES as readonly string[]).includes(name);
}
