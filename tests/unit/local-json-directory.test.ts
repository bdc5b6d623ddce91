/** The local adapter of the directory port: who is a pilot, who is in which team. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { roleOf } from '../../src/directory/directory.js';
import { loadJsonDirectory, parseDirectoryJson } from '../../src/directory/local-json-directory.js';

const SAMPLE = path.resolve(import.meta.dirname, '../../samples/demo-directory.json');

describe('local JSON directory', () => {
  it('reads the sample: pilots, members, viewers, matched by object id or email', () => {
    const directory = loadJsonDirectory(SAMPLE);
    expect(directory.pilots().map((u) => u.name)).toEqual(['Claire Pilot', 'Rahul Pilot']);
    expect(directory.membersOf('Engine').map((u) => u.email)).toEqual([
      'luca.engine@bank.example',
      'anna.engine@bank.example',
    ]);
    const luca = directory.findByAadObjectId('6A1F2C5E-0000-4000-8000-000000000006');
    expect(luca?.name).toBe('Luca Engine');
    expect(directory.findByEmail(' Luca.Engine@Bank.Example ')).toBe(luca);
    expect(roleOf(luca!)).toBe('member');
    expect(roleOf(directory.findByEmail('greta.manager@bank.example')!)).toBe('viewer');
    expect(roleOf(directory.findByEmail('claire.pilot@bank.example')!)).toBe('pilot');
  });

  it('names the file and every problem in a bad directory', () => {
    expect(() => loadJsonDirectory('/nonexistent/directory.json')).toThrow(
      'directory file /nonexistent/directory.json: no such file',
    );
    expect(() => parseDirectoryJson('{ nope', 'dir.json')).toThrow(
      /^directory file dir\.json: not valid JSON/,
    );
    expect(() =>
      parseDirectoryJson(
        JSON.stringify({
          users: [
            { aadObjectId: 'a', name: 'A', email: 'not-an-email', teams: [] },
            { aadObjectId: 'b', name: 'B', email: 'b@bank.example' },
            { aadObjectId: 'B', name: 'C', email: 'B@bank.example' },
          ],
        }),
        'dir.json',
      ),
    ).toThrow(/users\.0\.email/);
    expect(() =>
      parseDirectoryJson(
        JSON.stringify({
          users: [
            { aadObjectId: 'b', name: 'B', email: 'b@bank.example' },
            { aadObjectId: 'B', name: 'C', email: 'B@bank.example' },
          ],
        }),
        'dir.json',
      ),
    ).toThrow(
      'directory file dir.json: users.1.aadObjectId: duplicate "B"; users.1.email: duplicate "B@bank.example"',
    );
  });
});
