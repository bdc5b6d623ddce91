/**
 * The `runsheet` command line (shared spec interfaces.md). Every write goes through the same
 * engine as the bot and the tab. Exit status: 0 on success; 1 when refused or failed, with the
 * reason on stderr; 2 for a usage error. `--json` prints exactly one JSON document on stdout.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { DatabaseInUseError } from '../db/client.js';
import { DirectoryFileError } from '../directory/local-json-directory.js';
import { NotFoundError } from '../engine/read-models.js';
import { TemplateFileError } from '../mail/template-files.js';
import { CliError, type CliOutput } from './cli-context.js';

// Each command's module is loaded when that command runs: loading all of them (Graph, mail,
// reports, exports) costs about 80 MB of resident memory that an import of 20,000 steps then carries.
const USAGE = `Usage: runsheet <command> [options]

  import FILE.xlsx|FILE.json [--as EMAIL]      import or update the plan (all or nothing)
  export FILE.xlsx|FILE.json                   write the plan in the workbook layout
  iteration list [--json]
  iteration activate NAME --as EMAIL           a pilot activates an iteration
  iteration close NAME --as EMAIL              a pilot closes the active iteration (frozen)
  iteration durations NAME learned|indicative --as EMAIL
                                               a pilot chooses the durations of the iteration's forecast
  status ID [--iteration NAME] [--json]        a step (or a task's step) in an iteration
  ready [--iteration NAME] [--team TEAM] [--json]
  act ACTION ID --as EMAIL [--iteration NAME] [--reason TEXT] [--force] [--seen STATUS] [--json]
        ACTION: start done fail retry hold resume cancel reopen (steps, tasks)
                pass fail confirm cancel reopen (controls; --reason is the note)
        --acknowledge-controls: done on a go/no-go step (IGO, BGO, GON) over open or failed
                controls of its phase (pilots; recorded with those controls)
  audit verify [--json]
  audit export FILE.csv [--iteration NAME]
  directory check [--json]                     each team's members; flags empty, unknown, missing groups
  planner export --iteration NAME FILE.html    the macro-plan as one standalone HTML file
  planner set CHAPTER --iteration NAME --start TIME --end TIME --as EMAIL
                                               a pilot changes a chapter's plan (TIME: 2026-09-18 18:00,
                                               in the iteration's time zone)
  board export FILE.xlsx [--iteration NAME]    the board (steps in scope, statuses, times) as a workbook
  template list [--json]                       the email templates (activation, status-change)
  template show NAME                           a template as an editable HTML file (<title> = subject)
  template edit NAME FILE --as EMAIL           a pilot replaces a template with the file's
  template preview NAME STEP [--iteration NAME] [--as EMAIL]
                                               the template filled in for a step
  report --iteration NAME FILE.html|FILE.csv   rehearsal report: planned against actual, delays
  report --compare FILE.html|FILE.csv          actual durations across iterations, trend, learned

Environment: DATABASE_URL (PostgreSQL; unset: embedded database in RUNSHEET_DATA_DIR, default ./data),
RUNSHEET_DIRECTORY (directory JSON used to resolve --as), GRAPH_... (Entra ID groups). See docs/configuration.md.`;

const OPTIONS = {
  as: { type: 'string' },
  iteration: { type: 'string' },
  team: { type: 'string' },
  reason: { type: 'string' },
  seen: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  force: { type: 'boolean' },
  'acknowledge-controls': { type: 'boolean' },
  compare: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliOptions = {
  as?: string;
  iteration?: string;
  team?: string;
  reason?: string;
  seen?: string;
  start?: string;
  end?: string;
  force?: boolean;
  'acknowledge-controls'?: boolean;
  compare?: boolean;
  json?: boolean;
};

const defaultOutput: CliOutput = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Runs one CLI invocation and returns its exit status. */
export async function runCli(
  argv: readonly string[],
  output: CliOutput = defaultOutput,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    output.err(`runsheet: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  const options = parsed.values as CliOptions & { help?: boolean };
  if (options.help || command === undefined || command === 'help') {
    output.out(USAGE);
    return command === undefined && !options.help ? 2 : 0;
  }
  try {
    switch (command) {
      case 'import':
        return await (await import('./commands/plan-files.js')).runImport(rest, options, output, env);
      case 'export':
        return await (await import('./commands/plan-files.js')).runExport(rest, options, output, env);
      case 'iteration':
        return await (await import('./commands/execution.js')).runIteration(rest, options, output, env);
      case 'status':
        return await (await import('./commands/execution.js')).runStatus(rest, options, output, env);
      case 'ready':
        return await (await import('./commands/execution.js')).runReady(rest, options, output, env);
      case 'act':
        return await (await import('./commands/execution.js')).runAct(rest, options, output, env);
      case 'audit':
        return await (await import('./commands/audit.js')).runAudit(rest, options, output, env);
      case 'directory':
        return await (await import('./commands/directory.js')).runDirectory(rest, options, output, env);
      case 'planner':
        return await (await import('./commands/planner.js')).runPlanner(rest, options, output, env);
      case 'board':
        return await (await import('./commands/planner.js')).runBoard(rest, options, output, env);
      case 'template':
        return await (await import('./commands/templates.js')).runTemplate(rest, options, output, env);
      case 'report':
        return await (await import('./commands/report.js')).runReport(rest, options, output, env);
      default:
        output.err(`runsheet: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof CliError) {
      output.err(`runsheet: ${error.message}${error.exitCode === 2 ? `\n\n${USAGE}` : ''}`);
      return error.exitCode;
    }
    if (
      error instanceof ConfigError ||
      error instanceof DirectoryFileError ||
      error instanceof DatabaseInUseError ||
      error instanceof NotFoundError ||
      error instanceof TemplateFileError
    ) {
      output.err(`runsheet: ${error.message}`);
      return 1;
    }
    // Anything else (an unreachable database, a full disk) is still one readable line.
    const code = (error as NodeJS.ErrnoException).code;
    output.err(`runsheet: ${(error as Error).message || String(error)}${code ? ` (${code})` : ''}`);
    if (env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace')
      output.err(String((error as Error).stack ?? ''));
    return 1;
  }
}
