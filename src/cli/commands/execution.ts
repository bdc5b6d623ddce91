/** `runsheet iteration`, `status`, `ready` and `act`: executing the plan from a terminal. */
import { isDurationBasis, type DurationBasis } from '../../domain/duration-basis.js';
import type { CommandResult } from '../../engine/command.js';
import { formatLocalTime, pastTense } from '../../engine/messages.js';
import { getStepDetail, listIterations, listReadySteps } from '../../engine/read-models.js';
import { CliError, positionals, requireActor, withCliContext, type CliOutput } from '../cli-context.js';
import type { CliOptions } from '../main.js';

/** Prints a command result; a refusal, a stale or a duplicate command exits 1 with the reason on stderr. */
function reportResult(result: CommandResult, options: CliOptions, output: CliOutput): number {
  if (options.json) output.out(JSON.stringify(result));
  if (result.outcome === 'applied') {
    if (!options.json) output.out(result.message);
    return 0;
  }
  const label =
    result.outcome === 'refused'
      ? `refused (${result.code})`
      : result.outcome === 'stale'
        ? 'stale'
        : 'no change';
  output.err(`runsheet: ${label}: ${result.message}`);
  // A repeated command changed nothing but its effect is in place: that is success for a script.
  return result.outcome === 'duplicate' ? 0 : 1;
}

export async function runIteration(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [verb, ...rest] = args;
  const actsForSomeone = verb === 'activate' || verb === 'close' || verb === 'durations';
  return withCliContext(env, { readsDirectory: actsForSomeone }, async (context) => {
    if (verb === 'list') {
      positionals(rest, []);
      const iterations = await listIterations(context.database.db);
      if (options.json) {
        output.out(JSON.stringify(iterations));
      } else if (iterations.length === 0) {
        output.out('No iterations: import a plan first (runsheet import FILE).');
      } else {
        for (const it of iterations) {
          const since = it.activatedAt ? ` since ${formatLocalTime(it.activatedAt, it.timeZone)}` : '';
          output.out(
            `${it.name.padEnd(10)} ${it.kind.padEnd(8)} ${it.status.padEnd(8)} comms ${it.comms.padEnd(5)} ${it.done}/${it.inScope} done${since}`,
          );
        }
      }
      return 0;
    }
    if (verb === 'activate' || verb === 'close') {
      const [name] = positionals(rest, ['NAME']);
      const email = requireActor(context, options.as);
      const result = await context.engine.execute({
        action: verb,
        subject: name!,
        actor: { email },
        source: 'cli',
      });
      return reportResult(result, options, output);
    }
    if (verb === 'durations') {
      const [name, basis] = positionals(rest, ['NAME', 'learned|indicative']);
      if (!isDurationBasis(basis!.toLowerCase()))
        throw new CliError(`iteration durations: expected learned or indicative, not "${basis}"`, 2);
      const email = requireActor(context, options.as);
      const result = await context.engine.execute({
        action: 'set-duration-basis',
        subject: name!,
        durationBasis: basis!.toLowerCase() as DurationBasis,
        actor: { email },
        source: 'cli',
      });
      return reportResult(result, options, output);
    }
    throw new CliError(`iteration: expected list, activate, close or durations, not "${verb ?? ''}"`, 2);
  });
}

export async function runStatus(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [id] = positionals(args, ['ID']);
  return withCliContext(env, async ({ engine }) => {
    const step = await getStepDetail(engine, id!, options.iteration ?? null);
    if (options.json) {
      output.out(JSON.stringify(step));
      return 0;
    }
    const lines = [
      `${step.id} ${step.title}`,
      `  ${step.iteration}: ${step.status}${step.heldFrom ? ` (held from ${step.heldFrom})` : ''}${step.ready ? ', ready' : ''}${step.inScope ? '' : ', not in scope'}`,
      `  ${step.phase} > ${step.chapter} · team ${step.team}${step.environment ? ` · ${step.environment}` : ''}${step.durationMinutes !== null ? ` · ${step.durationMinutes} min` : ''}`,
    ];
    if (step.lastChange)
      lines.push(
        `  last: ${pastTense(step.lastChange.action)} by ${step.lastChange.by} at ${formatLocalTime(step.lastChange.at, step.timeZone)}`,
      );
    if (step.reason) lines.push(`  reason: ${step.reason}`);
    if (step.predecessors.length)
      lines.push(`  waits for: ${step.predecessors.map((p) => `${p.id} ${p.status}`).join(', ')}`);
    if (step.successors.length)
      lines.push(`  followed by: ${step.successors.map((s) => `${s.id} ${s.status}`).join(', ')}`);
    for (const task of step.tasks) lines.push(`  task ${task.id} ${task.status} (${task.team})`);
    for (const control of step.controls)
      lines.push(`  control ${control.id} ${control.result} ${control.name}`);
    output.out(lines.join('\n'));
    return 0;
  });
}

export async function runReady(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  positionals(args, []);
  return withCliContext(env, async ({ engine }) => {
    const ready = await listReadySteps(engine, {
      iteration: options.iteration ?? null,
      team: options.team ?? null,
    });
    if (options.json) {
      output.out(JSON.stringify(ready));
    } else if (ready.steps.length === 0) {
      output.out(`No step is ready in ${ready.iteration}${options.team ? ` for ${options.team}` : ''}.`);
    } else {
      for (const step of ready.steps)
        output.out(`${step.id.padEnd(12)} ${step.team.padEnd(14)} ${step.title}`);
    }
    return 0;
  });
}

export async function runAct(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [action, id] = positionals(args, ['ACTION', 'ID']);
  return withCliContext(env, { readsDirectory: true }, async (context) => {
    const email = requireActor(context, options.as);
    const result = await context.engine.execute({
      action: action!.toLowerCase() as 'start',
      subject: id!,
      iteration: options.iteration ?? null,
      actor: { email },
      reason: options.reason ?? null,
      force: options.force ?? false,
      acknowledgeControls: options['acknowledge-controls'] ?? false,
      seen: options.seen?.toUpperCase() ?? null,
      source: 'cli',
    });
    return reportResult(result, options, output);
  });
}
