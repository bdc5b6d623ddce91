/** `runsheet audit verify` and `runsheet audit export`. */
import fs from 'node:fs';
import { readAuditEvents } from '../../audit/audit-log.js';
import { verifyAuditChain } from '../../audit/verify-audit.js';
import { csvField } from '../../report/csv.js';
import { CliError, positionals, withCliContext, type CliOutput } from '../cli-context.js';
import type { CliOptions } from '../main.js';

const CSV_COLUMNS = [
  'seq',
  'at',
  'actor',
  'actor_name',
  'iteration',
  'subject',
  'type',
  'details',
  'prev_hash',
  'hash',
] as const;

export async function runAudit(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === 'verify') {
    positionals(rest, []);
    return withCliContext(env, async ({ database }) => {
      const verification = await verifyAuditChain(database.db);
      if (options.json) output.out(JSON.stringify(verification));
      if (verification.ok) {
        if (!options.json)
          output.out(`Audit log intact: ${verification.events} events, hash chain verified.`);
        return 0;
      }
      for (const problem of verification.problems) output.err(`audit: ${problem}`);
      output.err(
        `runsheet: the audit log has been tampered with (${verification.problems.length} problem(s) over ${verification.events} events).`,
      );
      return 1;
    });
  }
  if (verb === 'export') {
    const [file] = positionals(rest, ['FILE.csv']);
    if (!/\.csv$/i.test(file!)) throw new CliError(`${file}: the file name must end in .csv`, 2);
    return withCliContext(env, async ({ database }) => {
      const stream = fs.createWriteStream(file!, { encoding: 'utf8' });
      stream.write(`${CSV_COLUMNS.join(',')}\r\n`);
      let count = 0;
      for await (const event of readAuditEvents(database.db, { iteration: options.iteration })) {
        const fields = [
          String(event.seq),
          event.at.toISOString(),
          event.actor,
          event.actorName,
          event.iteration ?? '',
          event.subject,
          event.type,
          JSON.stringify(event.details),
          event.prevHash,
          event.hash,
        ];
        if (!stream.write(`${fields.map(csvField).join(',')}\r\n`))
          await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
        count++;
      }
      await new Promise<void>((resolve, reject) =>
        stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      output.out(
        options.json ? JSON.stringify({ file, events: count }) : `Exported ${count} audit events to ${file}.`,
      );
      return 0;
    });
  }
  throw new CliError(`audit: expected verify or export, not "${verb ?? ''}"`, 2);
}
