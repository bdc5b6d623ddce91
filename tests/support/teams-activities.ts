/** Teams activities for tests that drive the bot over HTTP, as Teams would. */
import fs from 'node:fs';
import path from 'node:path';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/teams');

/** The Bot Connector service the fixtures' `serviceUrl` points to (under `/emea/`). */
export const TEAMS_SERVICE = 'https://smba.trafficmanager.net';

/** A Teams activity as the fixtures give it; tests change a few fields. */
export type Activity = { id: string; conversation: { id: string }; [field: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A fresh copy of a fixture in tests/fixtures/teams. */
export const teamsFixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Activity;

/** Posts an activity to the bot at `base` and returns the HTTP status and the parsed body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function postToBot(base: string, activity: object): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
