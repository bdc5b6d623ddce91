/**
 * Renders a step card: `StepCardData` plus who is looking becomes an Adaptive Card 1.5 (a plain
 * JSON object), by filling the template `cards/step-card.json` with adaptivecards-templating.
 *
 * The split of work: this file decides (which buttons, which colours, what each line says, how
 * many tasks fit); the template only lays out. So the template binds plain paths and never
 * computes, and the view it is filled with (`StepCardView`) is what `cards/step-card.sample.json`
 * holds for the Adaptive Cards Designer.
 *
 * Every text that comes from data (titles, names, descriptions, reasons, notices) is bound into a
 * `TextRun` of a `RichTextBlock`, never into a `TextBlock` or a `FactSet`: Teams reads Markdown in
 * those two, so a title such as `[click](https://…)` or `_x_` would turn into a link or italics,
 * while a TextRun shows text as it is. The templating engine does not re-read bound values, so a
 * `${…}` inside a title stays literal text.
 *
 * Buttons follow `availableWorkActions` (the transition table, the single source of who may do
 * what from which status), plus readiness: Start needs a ready step; a pilot gets "Force start…"
 * instead, behind a confirmation, because forcing is audited and a slip at 3 a.m. must cost a
 * second click. Tasks change only while their step is IN_PROGRESS, so task buttons show only then.
 *
 * Viewers:
 * - `null` is the shared card posted in the team's channel, which everyone there sees until their
 *   client refreshes it: it offers the owning team's buttons (Start/Done/Failed/Retry and the task
 *   buttons) and Refresh; pilots see their buttons after a refresh.
 * - a viewer gets the buttons their role allows: the owning team's members the team's buttons,
 *   anyone the task buttons of their own team's tasks, pilots everything, viewers only Refresh.
 */
import { Template } from 'adaptivecards-templating/lib/template-engine.js';
import stepCardTemplate from '../../../cards/step-card.json' with { type: 'json' };
import { assertNever, type ControlResult, type WorkAction, type WorkStatus } from '../../domain/statuses.js';
import { availableControlActions, availableWorkActions } from '../../domain/transitions.js';
import { isOpenOrFailed, phaseControlsHeading } from '../../domain/go-no-go.js';
import type { CommandResult } from '../../engine/command.js';
import { describeLastChange } from '../../engine/messages.js';
import { truncateText } from './plain-text.js';
import {
  activationLaunchData,
  controlActionData,
  controlNoteInputId,
  refreshActionData,
  stepActionData,
  type ActivationLaunchData,
  taskActionData,
  type StepCardActionData,
} from './step-card-actions.js';
import type { StepCardControl, StepCardData, StepCardTask } from './step-card-data.js';

/** An Adaptive Card as JSON, ready to be an attachment's `content` or an invoke response's `value`. */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  version: string;
  body: unknown[];
  refresh?: { action: { type: 'Action.Execute'; verb: string; data: StepCardActionData }; userIds: string[] };
  [property: string]: unknown;
}

/** Who looks at the card: the facts role checks need (an `Actor` fits). */
export interface StepCardViewer {
  isPilot: boolean;
  /** Names of the plan teams the viewer belongs to. */
  teams: readonly string[];
}

/** What happened to the viewer's last action, shown at the top of the card they get back. */
export interface CardNotice {
  kind: 'refused' | 'stale' | 'duplicate' | 'applied';
  /** A sentence fit to show the actor (an engine result's `message`). */
  text: string;
}

/**
 * The notice for an engine result: its outcome is the notice's kind (refused, stale, duplicate,
 * applied) and its message, which names who acted and when for stale and repeated actions, the text.
 */
export function cardNoticeFor(result: Pick<CommandResult, 'outcome' | 'message'>): CardNotice {
  return { kind: result.outcome, text: result.message };
}

export interface RenderStepCardOptions {
  /**
   * Teams user MRIs (`29:…`, an activity's `from.id`; not Entra object ids) whose clients refresh
   * the card by themselves into their own view. Teams honours at most 60; more are cut to the first
   * 60. Absent: the card has no `refresh` and changes only when updated or refreshed by hand.
   * An empty list keeps the "Refresh card" entry of the message's menu without automatic refreshes.
   */
  refreshUserIds?: readonly string[];
  notice?: CardNotice;
}

/** Teams refreshes a card automatically for at most this many listed users. */
export const MAX_REFRESH_USER_IDS = 60;
/** Tasks listed on a card; the rest are summarised. A step may have 1000 tasks and a Teams message holds about 28 KB. */
export const MAX_TASKS_SHOWN = 12;
/**
 * Controls listed on a card; the rest are summarised. Each may carry its Result… and Confirm
 * buttons (about 1 KB), so 8 of them stay well within a Teams message.
 */
export const MAX_CONTROLS_SHOWN = 8;
/** Predecessors named in the facts; the rest are counted. */
export const MAX_PREDECESSORS_SHOWN = 8;
const MAX_DESCRIPTION_LENGTH = 140;

type TextColor = 'default' | 'accent' | 'good' | 'warning' | 'attention';
type ContainerStyle = 'default' | 'emphasis' | 'accent' | 'good' | 'warning' | 'attention';

/** A button's Action.Execute data; null hides the button. */
type Button = StepCardActionData | null;

/** One task line of the card. */
export interface StepCardTaskView {
  id: string;
  team: string;
  description: string;
  status: { label: string; color: TextColor };
  start: Button;
  done: Button;
  hasActions: boolean;
}

/** One control line of the card, with the buttons the viewer may press. */
export interface StepCardControlView {
  id: string;
  name: string;
  /** `Engine → DBA`: the producer team, then the validator team. */
  teams: string;
  result: { label: string; color: TextColor };
  /** `confirmed`, `not confirmed` (a PASSED or FAILED result), or null (OPEN, CANCELLED). */
  confirmation: string | null;
  /** The id of the note input of the Result… form, unique on the card. */
  noteId: string;
  pass: Button;
  fail: Button;
  confirm: Button;
  hasResultActions: boolean;
  hasActions: boolean;
}

/** The data the template is filled with; `cards/step-card.sample.json` is one of these. */
export interface StepCardView {
  /** The TEST marker (comms mode `test`), or null. */
  testBanner: string | null;
  notice: { text: string; color: TextColor } | null;
  id: string;
  title: string;
  status: { label: string; style: ContainerStyle };
  facts: { label: string; value: string }[];
  /** Who did what, when; or what the step waits for. */
  statusLine: string;
  elapsed: { text: string; color: TextColor } | null;
  reason: string | null;
  tasks: { heading: string; items: StepCardTaskView[]; more: string | null } | null;
  /** The controls linked to the step's tasks, or a go/no-go step's controls of its phase. */
  controls: {
    heading: string;
    /** A go/no-go step not finished while controls of its phase are OPEN or FAILED. */
    warning: string | null;
    items: StepCardControlView[];
    more: string | null;
  } | null;
  /** Only http(s) links: a card must not carry a `javascript:` URL from a workbook. */
  instructionsUrl: string | null;
  actions: { start: Button; done: Button; fail: Button; retry: Button; refresh: StepCardActionData };
  /** Pilots' buttons; null when the viewer is not a pilot or none applies. */
  pilotActions: {
    forceStart: Button;
    hold: Button;
    resume: Button;
    cancel: Button;
    reopen: Button;
    /** Done on a go/no-go step over open or failed controls, acknowledging them (behind a ShowCard). */
    doneAnyway: Button;
    /** An Action.Submit that opens the activation dialog in Teams. */
    activate: ActivationLaunchData | null;
  } | null;
  footer: string;
  refresh: { data: StepCardActionData; userIds: string[] } | null;
}

// Parsed once: expanding reuses it and leaves it unchanged.
const template = new Template(stepCardTemplate);

/**
 * The step card for `viewer` (null: the shared card posted in the channel). See the file comment
 * for the buttons each viewer gets. Pure: the same arguments give the same card.
 */
export function renderStepCard(
  data: StepCardData,
  viewer: StepCardViewer | null,
  options: RenderStepCardOptions = {},
): AdaptiveCard {
  return expandStepCardTemplate(buildStepCardView(data, viewer, options));
}

/** Fills the template with a view. Exported for the sample data test and the Designer workflow. */
export function expandStepCardTemplate(view: StepCardView): AdaptiveCard {
  const card = template.expand({ $root: view }) as AdaptiveCard;
  // `$when` on a property (not an array element) leaves it null rather than absent.
  if (card.refresh === null) delete card.refresh;
  return card;
}

/** Decides everything the card shows for `viewer`; `renderStepCard` lays it out. */
export function buildStepCardView(
  data: StepCardData,
  viewer: StepCardViewer | null,
  options: RenderStepCardOptions = {},
): StepCardView {
  const iteration = data.iteration.name;
  const refresh = refreshActionData(data.id, iteration);
  const canAct = data.inScope && data.iteration.status === 'ACTIVE';
  const isPilot = viewer?.isPilot ?? false;
  const stepActions = canAct ? availableWorkActions(data.status, roleFor(viewer, data.team)) : [];
  const button = (action: WorkAction, allowed = true): Button =>
    allowed && stepActions.includes(action) ? stepActionData(data.id, iteration, data.status) : null;

  return {
    testBanner: data.iteration.comms === 'test' ? `TEST · ${iteration} runs with comms in test mode` : null,
    notice: options.notice ? { text: options.notice.text, color: NOTICE_COLORS[options.notice.kind] } : null,
    id: data.id,
    title: data.title,
    status: statusBadge(data),
    facts: facts(data),
    statusLine: statusLine(data),
    elapsed: elapsedLine(data),
    reason: reasonLine(data),
    tasks: taskList(data, viewer, canAct),
    controls: controlList(data, viewer, canAct),
    instructionsUrl: /^https?:\/\//i.test(data.instructionsUrl.trim()) ? data.instructionsUrl.trim() : null,
    actions: {
      // A team member starts a ready step; a pilot forces a waiting one through forceStart below.
      start: button('start', data.ready),
      done: button('done'),
      fail: button('fail'),
      retry: button('retry'),
      refresh,
    },
    pilotActions: isPilot && canAct ? pilotButtons(data, stepActions) : null,
    footer: `Updated ${data.asOf.localTime} · ${iteration}${iterationState(data)}`,
    refresh: options.refreshUserIds
      ? { data: refresh, userIds: options.refreshUserIds.slice(0, MAX_REFRESH_USER_IDS) }
      : null,
  };
}

/**
 * The role facts `availableWorkActions` needs. The shared card stands for any member of the
 * owning team: it is posted in that team's channel.
 */
function roleFor(viewer: StepCardViewer | null, team: string): { isPilot: boolean; isOwnTeam: boolean } {
  if (viewer === null) return { isPilot: false, isOwnTeam: true };
  return { isPilot: viewer.isPilot, isOwnTeam: viewer.teams.includes(team) };
}

function pilotButtons(data: StepCardData, stepActions: readonly WorkAction[]): StepCardView['pilotActions'] {
  const seen = stepActionData(data.id, data.iteration.name, data.status);
  const when = (shown: boolean): Button => (shown ? { ...seen } : null);
  const buttons = {
    forceStart: stepActions.includes('start') && !data.ready ? { ...seen, force: true as const } : null,
    doneAnyway:
      stepActions.includes('done') && blockingControls(data).length > 0
        ? { ...seen, acknowledgeControls: true as const }
        : null,
    hold: when(stepActions.includes('hold')),
    resume: when(stepActions.includes('resume')),
    cancel: when(stepActions.includes('cancel')),
    reopen: when(stepActions.includes('reopen')),
    // Activation tells the team to get going: pointless once the step is finished.
    activate:
      data.status !== 'DONE' && data.status !== 'CANCELLED'
        ? activationLaunchData(data.id, data.iteration.name)
        : null,
  };
  return Object.values(buttons).some((b) => b !== null) ? buttons : null;
}

const NOTICE_COLORS: Record<CardNotice['kind'], TextColor> = {
  refused: 'attention',
  stale: 'warning',
  duplicate: 'accent',
  applied: 'good',
};

/** Status words as people read them. */
const STATUS_LABELS: Record<WorkStatus, string> = {
  OPEN: 'OPEN',
  IN_PROGRESS: 'IN PROGRESS',
  ON_HOLD: 'ON HOLD',
  FAILED: 'FAILED',
  DONE: 'DONE',
  CANCELLED: 'CANCELLED',
};

/**
 * The header badge: green means go (ready) or gone well (done), blue running, amber held, red
 * failed; waiting and cancelled stay neutral, as nothing is asked of anyone.
 */
function statusBadge(data: StepCardData): StepCardView['status'] {
  const status = data.status;
  switch (status) {
    case 'OPEN':
      return data.ready ? { label: 'READY', style: 'good' } : { label: 'WAITING', style: 'emphasis' };
    case 'IN_PROGRESS':
      return { label: STATUS_LABELS[status], style: 'accent' };
    case 'ON_HOLD':
      return { label: STATUS_LABELS[status], style: 'warning' };
    case 'FAILED':
      return { label: STATUS_LABELS[status], style: 'attention' };
    case 'DONE':
      return { label: STATUS_LABELS[status], style: 'good' };
    case 'CANCELLED':
      return { label: STATUS_LABELS[status], style: 'emphasis' };
    default:
      return assertNever(status);
  }
}

function workStatusColor(status: WorkStatus): TextColor {
  switch (status) {
    case 'OPEN':
    case 'CANCELLED':
      return 'default';
    case 'IN_PROGRESS':
      return 'accent';
    case 'ON_HOLD':
      return 'warning';
    case 'FAILED':
      return 'attention';
    case 'DONE':
      return 'good';
    default:
      return assertNever(status);
  }
}

function controlResultColor(result: ControlResult): TextColor {
  switch (result) {
    case 'OPEN':
    case 'CANCELLED':
      return 'default';
    case 'PASSED':
      return 'good';
    case 'FAILED':
      return 'attention';
    default:
      return assertNever(result);
  }
}

function facts(data: StepCardData): StepCardView['facts'] {
  return [
    { label: 'Where', value: `${data.phase} › ${data.chapter}` },
    { label: 'Team', value: data.team },
    { label: 'Environment', value: data.environment || '—' },
    { label: 'Duration', value: data.durationMinutes === null ? '—' : formatMinutes(data.durationMinutes) },
    {
      label: 'Planned',
      value: data.plannedWindow ? `${data.plannedWindow.start} → ${data.plannedWindow.end}` : 'not scheduled',
    },
    { label: 'After', value: predecessorList(data.predecessors) },
    ...(data.forecast
      ? [
          {
            label: 'Forecast',
            value: `ends ${data.forecast.end}${data.forecast.critical ? ' · on the critical path' : ''} · ${data.forecast.basis}`,
          },
        ]
      : []),
  ];
}

function predecessorList(predecessors: StepCardData['predecessors']): string {
  if (predecessors.length === 0) return 'nothing: first in line';
  const shown = predecessors
    .slice(0, MAX_PREDECESSORS_SHOWN)
    .map((p) => `${p.id} ${STATUS_LABELS[p.status]}`)
    .join(', ');
  const rest = predecessors.length - MAX_PREDECESSORS_SHOWN;
  return rest > 0 ? `${shown} and ${rest} more` : shown;
}

function statusLine(data: StepCardData): string {
  if (!data.inScope) return `Not in scope of ${data.iteration.name}.`;
  if (data.lastChange) {
    const last = describeLastChange(
      { action: data.lastChange.action, byName: data.lastChange.byName, by: '', at: data.lastChange.at },
      data.iteration.timeZone,
    );
    return `${capitalise(last)}.`;
  }
  if (data.ready) return 'Ready to start.';
  const waitingFor = data.predecessors.filter((p) => p.status !== 'DONE' && p.status !== 'CANCELLED');
  if (waitingFor.length === 0)
    return data.opensAt ? `Opens at ${data.opensAt} (fixed start).` : 'Not started.';
  const names = waitingFor.slice(0, MAX_PREDECESSORS_SHOWN).map((p) => p.id);
  const rest = waitingFor.length - names.length;
  return `Waiting for ${names.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}.`;
}

function elapsedLine(data: StepCardData): StepCardView['elapsed'] {
  const planned = data.durationMinutes;
  const plannedText = planned === null ? '' : `, planned ${formatMinutes(planned)}`;
  if (data.elapsedMinutes !== null) {
    const over = planned !== null && data.elapsedMinutes > planned;
    return {
      text: `Running for ${formatMinutes(data.elapsedMinutes)}${plannedText}${over ? `: late by ${formatMinutes(data.elapsedMinutes - planned)}` : ''}`,
      color: over ? 'attention' : 'default',
    };
  }
  if (data.actualMinutes !== null) {
    return { text: `Took ${formatMinutes(data.actualMinutes)}${plannedText}`, color: 'default' };
  }
  return null;
}

/** The stored reason is the current one only in the statuses that take a reason (see StepCardData). */
function reasonLine(data: StepCardData): string | null {
  const reason = data.reason?.trim();
  if (!reason) return null;
  const current = data.status === 'FAILED' || data.status === 'ON_HOLD' || data.status === 'CANCELLED';
  return current ? `Reason: ${reason}` : null;
}

function taskList(data: StepCardData, viewer: StepCardViewer | null, canAct: boolean): StepCardView['tasks'] {
  if (data.tasks.length === 0) return null;
  const done = data.tasks.filter((t) => t.status === 'DONE' || t.status === 'CANCELLED').length;
  // When they do not all fit, the ones still to do matter at 3 a.m., in plan order.
  const shown =
    data.tasks.length <= MAX_TASKS_SHOWN
      ? data.tasks
      : [
          ...data.tasks.filter((t) => t.status !== 'DONE' && t.status !== 'CANCELLED'),
          ...data.tasks.filter((t) => t.status === 'DONE' || t.status === 'CANCELLED'),
        ].slice(0, MAX_TASKS_SHOWN);
  const hidden = data.tasks.length - shown.length;
  const hiddenOpen =
    data.tasks.length - done - shown.filter((t) => t.status !== 'DONE' && t.status !== 'CANCELLED').length;
  // Tasks change only while their step runs; a pilot forcing it does so through a command.
  const tasksActionable = canAct && data.status === 'IN_PROGRESS';
  return {
    heading: `Tasks · ${done}/${data.tasks.length} done`,
    items: shown.map((task) => taskView(data, task, viewer, tasksActionable)),
    more:
      hidden > 0
        ? `…and ${hidden} more ${hidden === 1 ? 'task' : 'tasks'}${hiddenOpen > 0 ? `, ${hiddenOpen} not done` : ''}`
        : null,
  };
}

function taskView(
  data: StepCardData,
  task: StepCardTask,
  viewer: StepCardViewer | null,
  actionable: boolean,
): StepCardTaskView {
  const allowed = actionable ? availableWorkActions(task.status, roleFor(viewer, task.team)) : [];
  const button = (action: WorkAction): Button =>
    allowed.includes(action) ? taskActionData(data.id, data.iteration.name, task.id, task.status) : null;
  const start = button('start');
  const done = button('done');
  return {
    id: task.id,
    team: task.team,
    description: truncateText(task.description, MAX_DESCRIPTION_LENGTH),
    status: { label: STATUS_LABELS[task.status], color: workStatusColor(task.status) },
    start,
    done,
    hasActions: start !== null || done !== null,
  };
}

/** A go/no-go step's controls of its phase that are OPEN or FAILED (none for other steps). */
function blockingControls(data: StepCardData): StepCardControl[] {
  return data.phaseControls?.controls.filter((c) => isOpenOrFailed(c.result)) ?? [];
}

/**
 * The controls section: a go/no-go step shows the controls of its phase (failed and open first,
 * counted in the heading) and warns while any is OPEN or FAILED; any other step its own controls.
 */
function controlList(
  data: StepCardData,
  viewer: StepCardViewer | null,
  canAct: boolean,
): StepCardView['controls'] {
  const phase = data.phaseControls ?? null;
  const controls = phase ? phase.controls : data.controls;
  if (controls.length === 0 && !phase) return null;
  const passed = controls.filter((c) => c.result === 'PASSED').length;
  const hidden = controls.length - MAX_CONTROLS_SHOWN;
  const blocking = blockingControls(data);
  const unfinished = data.status !== 'DONE' && data.status !== 'CANCELLED';
  const named = blocking.slice(0, MAX_CONTROLS_SHOWN).map((c) => `${c.id} ${c.result}`);
  if (blocking.length > MAX_CONTROLS_SHOWN) named.push(`${blocking.length - MAX_CONTROLS_SHOWN} more`);
  return {
    heading: phase
      ? phaseControlsHeading(phase.phase, controls)
      : `Controls · ${passed}/${controls.length} passed`,
    warning:
      unfinished && blocking.length > 0
        ? `Not passed: ${named.join(', ')}. Marking this go/no-go step done needs a pilot's acknowledgement.`
        : null,
    items: controls.slice(0, MAX_CONTROLS_SHOWN).map((control) => controlView(data, control, viewer, canAct)),
    more: hidden > 0 ? `…and ${hidden} more` : null,
  };
}

/**
 * A control line. Buttons follow `availableControlActions` (the control table): Passed and Failed
 * (with a note) for whoever may set the result, Confirm for the validator team and pilots. The
 * shared card stands for the step's team, as for the step's buttons.
 */
function controlView(
  data: StepCardData,
  control: StepCardControl,
  viewer: StepCardViewer | null,
  canAct: boolean,
): StepCardControlView {
  const teams = viewer === null ? [data.team] : viewer.teams;
  const roles = {
    isPilot: viewer?.isPilot ?? false,
    isProducer: teams.includes(control.producer),
    isValidator: teams.includes(control.validator),
  };
  const allowed = canAct ? availableControlActions(control.result, control.confirmed, roles) : [];
  const button = (action: 'pass' | 'fail' | 'confirm'): Button =>
    allowed.includes(action)
      ? controlActionData(data.id, data.iteration.name, control.id, control.result)
      : null;
  const pass = button('pass');
  const fail = button('fail');
  const confirm = button('confirm');
  const decided = control.result === 'PASSED' || control.result === 'FAILED';
  return {
    id: control.id,
    name: control.name,
    teams: `${control.producer} → ${control.validator}`,
    result: { label: control.result, color: controlResultColor(control.result) },
    confirmation: decided ? (control.confirmed ? 'confirmed' : 'not confirmed') : null,
    noteId: controlNoteInputId(control.id),
    pass,
    fail,
    confirm,
    hasResultActions: pass !== null || fail !== null,
    hasActions: pass !== null || fail !== null || confirm !== null,
  };
}

function iterationState(data: StepCardData): string {
  switch (data.iteration.status) {
    case 'ACTIVE':
      return '';
    case 'PLANNED':
      return ' (not active yet)';
    case 'CLOSED':
      return ' (closed)';
    default:
      return assertNever(data.iteration.status);
  }
}

/** `45 min`, `1 h`, `2 h 05 min`. */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${String(rest).padStart(2, '0')} min`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
