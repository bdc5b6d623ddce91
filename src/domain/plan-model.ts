/**
 * The plan as the workbook and its JSON twin describe it (shared spec `runsheet-workbook.md`).
 * This is the exchange model of import and export; the database holds the same facts with its own
 * surrogate keys. IDs here are canonical once an import has validated them.
 */

export const ITERATION_KINDS = ['RUN', 'DR', 'CUTOVER'] as const;
export type IterationKind = (typeof ITERATION_KINDS)[number];

/** off: nothing leaves the service; test: mail to pilots only, cards marked TEST; live: everything. */
export const COMMS_MODES = ['off', 'test', 'live'] as const;
export type CommsMode = (typeof COMMS_MODES)[number];

export const DEFAULT_TIME_ZONE = 'Europe/Zurich';

export interface PlanStepType {
  type: string;
  name: string;
}
export interface PlanPhase {
  order: number;
  name: string;
}
export interface PlanChapter {
  order: number;
  name: string;
  phase: string;
}
export interface PlanTeam {
  name: string;
  adGroup: string;
  channel: string;
  mailbox: string;
}
export interface PlanIteration {
  name: string;
  kind: IterationKind;
  timeZone: string;
  comms: CommsMode;
}
export interface PlanStep {
  id: string;
  title: string;
  chapter: string;
  team: string;
  environment: string;
  durationMinutes: number | null;
  predecessors: string[];
  description: string;
  instructionsUrl: string;
  /** Names of the iterations the step runs in. */
  scope: string[];
}
export interface PlanTask {
  id: string;
  description: string;
  team: string;
  durationMinutes: number | null;
  controls: string[];
}
export interface PlanControl {
  id: string;
  name: string;
  producer: string;
  validator: string;
  description: string;
}
export interface PlanScheduleEntry {
  iteration: string;
  chapter: string;
  /** ISO 8601 local date-time (`2026-12-05T18:00`), read in the iteration's time zone. */
  start: string;
  end: string;
}

/** A step's fixed start ("not before") in one iteration (docs/time.md). */
export interface PlanFixedStart {
  iteration: string;
  step: string;
  /** ISO 8601 local date-time, read in the iteration's time zone, like the schedule's. */
  notBefore: string;
}

export interface PlanModel {
  stepTypes: PlanStepType[];
  phases: PlanPhase[];
  chapters: PlanChapter[];
  teams: PlanTeam[];
  iterations: PlanIteration[];
  steps: PlanStep[];
  tasks: PlanTask[];
  controls: PlanControl[];
  schedule: PlanScheduleEntry[];
  /** Fixed starts; absent (as in plans written before they existed) means none. */
  fixedStarts?: PlanFixedStart[];
}
