import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlanModel } from '../../src/domain/plan-model.js';
import { readPlanJson, readPlanWorkbook } from '../../src/import/read-plan.js';
import { writePlanJson, writePlanWorkbook } from '../../src/import/write-plan.js';
import { NO_REGISTERED_TYPES, validPlan } from '../fixtures/import/plan-builders.js';

/** The canonical form of a plan: what reading it gives. */
function canonical(plan: PlanModel): PlanModel {
  const result = readPlanJson(writePlanJson(plan), NO_REGISTERED_TYPES);
  expect(result.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
  return result.plan!;
}

async function expectRoundTrips(plan: PlanModel): Promise<void> {
  const fromWorkbook = await readPlanWorkbook(await writePlanWorkbook(plan), NO_REGISTERED_TYPES);
  expect(fromWorkbook.problems).toEqual([]);
  expect(fromWorkbook.plan).toEqual(plan);
  const fromJson = readPlanJson(writePlanJson(plan), NO_REGISTERED_TYPES);
  expect(fromJson.problems).toEqual([]);
  expect(fromJson.plan).toEqual(plan);
}

describe('read(write(plan))', () => {
  it('gives the plan back for values a spreadsheet could misread', async () => {
    const plan = validPlan();
    plan.steps[0]!.title = '=SUM(A1:A3)';
    plan.steps[1]!.title = 'Line one\r\nline two\ttab';
    plan.steps[2]!.title = '2026-12-05 18:00';
    plan.steps[2]!.environment = '0012';
    plan.steps[2]!.durationMinutes = 0;
    plan.teams[1]!.mailbox = 'TRUE';
    plan.phases[0]!.name = plan.chapters[0]!.phase = 'Bell\u0007 here';
    plan.controls[0]!.name = '1e3';
    plan.steps[0]!.description = '<p>Über «quotes» "double" \'single\' — 日本 &amp; more</p>\n<p>x</p>';
    plan.steps.push({ ...plan.steps[2]!, id: 'TRT-12345a', predecessors: [], scope: [] });
    plan.tasks.push({
      id: 'TRT-12345a-1000',
      description: 'plain',
      team: 'Engine',
      durationMinutes: null,
      controls: [],
    });

    const canonicalPlan = canonical(plan);
    expect(canonicalPlan.steps[1]!.title).toBe('Line one\nline two\ttab');
    expect(canonicalPlan.phases[0]!.name).toBe('Bell here');
    await expectRoundTrips(canonicalPlan);
  });

  it('gives the plan back for any text a plan may hold', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 30 });
    // Required text needs a visible character: blanks and control characters are dropped on reading.
    const required = text.filter((value) => /[^\s\u0000-\u001f\u007f]/.test(value)); // eslint-disable-line no-control-regex
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          title: required,
          environment: text,
          description: text,
          teamName: required,
          mailbox: text,
          duration: fc.option(fc.nat(100_000)),
        }),
        async ({ title, environment, description, teamName, mailbox, duration }) => {
          const plan = validPlan();
          plan.steps[0] = { ...plan.steps[0]!, title, environment, description, durationMinutes: duration };
          plan.teams[1] = { ...plan.teams[1]!, name: teamName, mailbox };
          for (const step of plan.steps) if (step.team === 'Engine') step.team = teamName;
          plan.tasks[1]!.team = teamName;
          plan.controls[0]!.producer = teamName;
          // Names that collide with Operations once matched forgivingly are another test's business.
          fc.pre(teamName.trim().toLowerCase() !== 'operations');
          await expectRoundTrips(canonical(plan));
        },
      ),
      { numRuns: 60 },
    );
  });
});
