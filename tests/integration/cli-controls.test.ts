/**
 * Controls across rehearsals from the CLI, on the sample plan: `act pass` with a note, `act
 * confirm` refused to the producer team and taken from the validator team, and `act done` on the
 * go/no-go step IGO-15 refused while controls of its phase (CSD migration: C0011-c, C0012-b,
 * C0013-a in Run1) are open, then applied with --acknowledge-controls.
 */
import path from 'node:path';
import { sql } from '../../src/db/orm.js';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { ROOT, useCliEnv } from '../support/cli-env.js';

const PILOT = 'claire.pilot@bank.example';
const DBA = 'pierre.dba@bank.example';
const ENGINE = 'luca.engine@bank.example';

const { cli, withDatabase } = useCliEnv('runsheet-cli-controls-');

describe('controls from the CLI', () => {
  it('passes, confirms, and marks a go/no-go step done over open controls only when acknowledged', async () => {
    expect((await cli('import', path.join(ROOT, 'samples/demo-runsheet.json'))).code).toBe(0);
    expect((await cli('iteration', 'activate', 'Run1', '--as', PILOT)).code).toBe(0);

    expect(await cli('act', 'pass', 'C0011-c', '--as', DBA, '--reason', '1,204 rows')).toEqual({
      code: 0,
      out: 'C0011-c passed by Pierre DBA: OPEN → PASSED.',
      err: '',
    });
    expect(await cli('act', 'confirm', 'C0011-c', '--as', DBA)).toEqual({
      code: 1,
      out: '',
      err:
        'runsheet: refused (ROLE): Only the validator team or a pilot may confirm control C0011-c. ' +
        'The producer team does not confirm its own result. Pierre DBA is in DBA.',
    });
    expect(await cli('act', 'confirm', 'c0011c', '--as', ENGINE, '--reason', 'checked')).toEqual({
      code: 0,
      out: 'C0011-c PASSED confirmed by Luca Engine.',
      err: '',
    });

    expect((await cli('act', 'start', 'IGO-15', '--force', '--as', PILOT)).code).toBe(0);
    const refused = await cli('act', 'done', 'IGO-15', '--force', '--as', PILOT);
    expect(refused).toEqual({
      code: 1,
      out: '',
      err:
        'runsheet: refused (CONTROLS_NOT_PASSED): Step IGO-15 is a go/no-go step and controls of phase ' +
        'CSD migration are not passed: C0012-b OPEN, C0013-a OPEN. Repeat with the acknowledgement to mark ' +
        'it done anyway; the open controls are recorded.',
    });
    const done = await cli('act', 'done', 'IGO-15', '--force', '--acknowledge-controls', '--as', PILOT);
    expect(done).toMatchObject({ code: 0, err: '' });
    expect(done.out).toBe(
      'IGO-15 marked done by Claire Pilot (forced): IN_PROGRESS → DONE. ' +
        'Done with 2 controls not passed, acknowledged: C0012-b OPEN, C0013-a OPEN. Now ready: TRT-10072.',
    );
    await withDatabase(async ({ db }) => {
      const [event] = await queryRows<{ details: Record<string, unknown> }>(
        db,
        sql`select details from audit_events where type = 'step.done' and subject = 'IGO-15'`,
      );
      expect(event!.details).toMatchObject({
        source: 'cli',
        forced: true,
        acknowledgeControls: true,
        openControls: [
          { id: 'C0012-b', result: 'OPEN' },
          { id: 'C0013-a', result: 'OPEN' },
        ],
      });
    });
  });
});
