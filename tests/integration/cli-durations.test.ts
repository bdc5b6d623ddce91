/**
 * `runsheet iteration durations NAME learned|indicative --as EMAIL`: a pilot chooses the durations
 * of an iteration's forecast from a terminal; anyone else and a bad word are refused, saying why.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, useCliEnv } from '../support/cli-env.js';

const PILOT = 'claire.pilot@bank.example';
const VIEWER = 'greta.manager@bank.example';

const { cli } = useCliEnv('runsheet-cli-durations-');

async function basisOf(name: string): Promise<string> {
  const list = JSON.parse((await cli('iteration', 'list', '--json')).out) as {
    name: string;
    durationBasis: string;
  }[];
  return list.find((it) => it.name === name)!.durationBasis;
}

describe('runsheet iteration durations', () => {
  it('sets the basis for a pilot, and refuses others and bad words', async () => {
    expect((await cli('import', path.join(ROOT, 'samples/demo-runsheet.json'))).code).toBe(0);
    expect(await basisOf('DR1')).toBe('indicative');

    expect(await cli('iteration', 'durations', 'DR1', 'learned', '--as', PILOT)).toEqual({
      code: 0,
      out: "DR1's forecast now uses learned durations (the median of earlier actuals), set by Claire Pilot.",
      err: '',
    });
    expect(await basisOf('DR1')).toBe('learned');

    const viewer = await cli('iteration', 'durations', 'DR1', 'indicative', '--as', VIEWER);
    expect(viewer.code).toBe(1);
    expect(viewer.err).toBe(
      "runsheet: refused (ROLE): Only a pilot can choose an iteration's forecast durations; Greta Manager is not a pilot.",
    );
    const bad = await cli('iteration', 'durations', 'DR1', 'median', '--as', PILOT);
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe(
      'runsheet: iteration durations: expected learned or indicative, not "median"',
    );
    const unknown = await cli('iteration', 'durations', 'DR9', 'learned', '--as', PILOT);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('There is no iteration "DR9"');
    expect(await basisOf('DR1')).toBe('learned');

    expect((await cli('iteration', 'durations', 'dr1', 'Indicative', '--as', PILOT)).out).toBe(
      "DR1's forecast now uses indicative durations, set by Claire Pilot.",
    );
    expect(await basisOf('DR1')).toBe('indicative');
  });
});
