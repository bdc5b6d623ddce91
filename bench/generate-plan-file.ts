/**
 * Writes the benchmark's plan as a JSON file, as a planner would upload it, and prints what it
 * holds (one JSON document on stdout). Run by bench/run.ts in a process of its own, so that
 * neither the importing process nor the benchmark's holds the generated plan.
 *
 * Usage: node dist/bench/generate-plan-file.js FILE.json STEPS SEED ITERATION
 */
import { writeFileSync } from 'node:fs';
import { generatePlan } from './generate-plan.js';

export interface PlanShape {
  steps: number;
  tasks: number;
  controls: number;
  predecessorLinks: number;
  taskControlLinks: number;
  chapters: number;
  teams: number;
  iterations: number;
  /** Steps in the scope of the iteration the benchmark activates. */
  inScopeOfIteration: number;
  jsonMB: number;
}

const [file, steps, seed, iteration] = process.argv.slice(2);
if (!file || !steps || !seed || !iteration) {
  console.error('usage: generate-plan-file FILE.json STEPS SEED ITERATION');
  process.exit(2);
}
const plan = generatePlan({ steps: Number(steps), seed: Number(seed) });
// Compact, as an API or a script would send it; `runsheet export` indents it (see docs/performance.md).
const json = JSON.stringify(plan);
writeFileSync(file, json, 'utf8');
const shape: PlanShape = {
  steps: plan.steps.length,
  tasks: plan.tasks.length,
  controls: plan.controls.length,
  predecessorLinks: plan.steps.reduce((sum, step) => sum + step.predecessors.length, 0),
  taskControlLinks: plan.tasks.reduce((sum, task) => sum + task.controls.length, 0),
  chapters: plan.chapters.length,
  teams: plan.teams.length,
  iterations: plan.iterations.length,
  inScopeOfIteration: plan.steps.filter((step) => step.scope.includes(iteration)).length,
  jsonMB: Buffer.byteLength(json) / 1024 / 1024,
};
process.stdout.write(`${JSON.stringify(shape)}\n`);
