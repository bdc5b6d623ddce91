/**
 * `runsheet template …` as a pilot uses it: list the seeded templates, show one as a file, edit it
 * (refused for a non-pilot and for an unknown placeholder, both audited), preview it against a step,
 * and see that a later seed never overwrites the edit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { openDatabase, queryRows } from '../../src/db/client.js';
import { sql } from '../../src/db/orm.js';
import { seedEmailTemplates } from '../../src/mail/template-store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let tmp: string;
let env: NodeJS.ProcessEnv;
let database: TestDatabase | undefined;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-cli-templates-'));
  env = {
    RUNSHEET_DIRECTORY: path.join(ROOT, 'samples/demo-directory.json'),
    RUNSHEET_DATA_DIR: path.join(tmp, 'data'),
    LOG_LEVEL: 'silent',
  };
  if (process.env.DATABASE_URL) {
    database = await createTestDatabase();
    env.DATABASE_URL = database.url;
  }
});
afterAll(async () => {
  await database?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(
    argv,
    { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) },
    env,
  );
  return { code, out: out.trim(), err: err.trim() };
}

describe('runsheet template', () => {
  it('lists, shows, edits, refuses and previews templates', async () => {
    expect((await cli('import', path.join(ROOT, 'samples/demo-runsheet.json'))).code).toBe(0);

    const list = await cli('template', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toContain('activation     as seeded from templates/mail');
    expect(list.out).toContain('status-change  as seeded from templates/mail');

    const shown = await cli('template', 'show', 'activation');
    expect(shown.out).toContain(
      '<title>[Runsheet] {{iteration}} · {{step.id}} is yours to start: {{step.title}}</title>',
    );
    const file = path.join(tmp, 'activation.html');
    fs.writeFileSync(
      file,
      shown.out.replace(
        '<p>Hello {{team}},</p>',
        '<p>Dear {{team}}, from {{pilot.name}}:</p><script>x()</script>',
      ),
    );

    const viewer = await cli('template', 'edit', 'activation', file, '--as', 'greta.manager@bank.example');
    expect(viewer).toMatchObject({
      code: 1,
      err: 'runsheet: refused (ROLE): Only a pilot can change an email template. Greta Manager is a viewer (in no team).',
    });
    const typo = path.join(tmp, 'typo.html');
    fs.writeFileSync(typo, '<html><head><title>{{step.idd}}</title></head><body><p>x</p></body></html>');
    const refused = await cli('template', 'edit', 'activation', typo, '--as', 'claire.pilot@bank.example');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      'runsheet: refused (INVALID_INPUT): The activation template was not changed: unknown placeholder {{step.idd}}',
    );
    expect((await cli('template', 'edit', 'nope', file, '--as', 'claire.pilot@bank.example')).err).toBe(
      'runsheet: there is no email template "nope" (templates: activation, status-change)',
    );
    expect(
      (
        await cli(
          'template',
          'edit',
          'activation',
          path.join(tmp, 'missing.html'),
          '--as',
          'claire.pilot@bank.example',
        )
      ).err,
    ).toBe(`runsheet: ${path.join(tmp, 'missing.html')}: no such file`);

    const edited = await cli('template', 'edit', 'activation', file, '--as', 'claire.pilot@bank.example');
    expect(edited).toMatchObject({
      code: 0,
      out: 'The activation template was changed by Claire Pilot. Mails will not carry <script>: sanitising removes them.',
    });
    expect((await cli('template', 'list')).out).toMatch(
      /activation {5}edited by claire\.pilot@bank\.example at /,
    );

    const preview = await cli(
      'template',
      'preview',
      'activation',
      'trt10001',
      '--iteration',
      'Run1',
      '--as',
      'rahul.pilot@bank.example',
    );
    expect(preview.code).toBe(0);
    expect(preview.out).toMatch(/^Subject: \[Runsheet\] Run1 · TRT-10001 is yours to start: /);
    expect(preview.out).toContain('<p>Dear Securities, from Rahul Pilot:</p>');
    expect(preview.out).not.toContain('<script>');
    const status = await cli('template', 'preview', 'status-change', 'TRT-10001', '--iteration', 'Run1');
    expect(status.out).toContain('Subject: [Runsheet] Run1: TRT-10001 is open');
    expect((await cli('template', 'preview', 'activation', 'TRT-99999', '--iteration', 'Run1')).err).toBe(
      'runsheet: There is no step TRT-99999 in the plan.',
    );

    // Seeding again (every start does) keeps the pilot's edit; each change and refusal is audited.
    const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.RUNSHEET_DATA_DIR! });
    try {
      expect(await seedEmailTemplates(db.db)).toEqual([]);
      const [row] = await queryRows<{ body_html: string; updated_by: string }>(
        db.db,
        sql`select body_html, updated_by from email_templates where name = 'activation'`,
      );
      expect(row!.updated_by).toBe('claire.pilot@bank.example');
      expect(row!.body_html).toContain('Dear {{team}}');
      const events = await queryRows<{ type: string; actor: string; details: { code?: string } }>(
        db.db,
        sql`select type, actor, details from audit_events where subject = 'template:activation' order by seq`,
      );
      expect(events.map((e) => [e.type, e.actor, e.details.code ?? null])).toEqual([
        ['template.refused', 'greta.manager@bank.example', 'ROLE'],
        ['template.refused', 'claire.pilot@bank.example', 'INVALID_INPUT'],
        ['template.update', 'claire.pilot@bank.example', null],
      ]);
    } finally {
      await db.close();
    }
    expect((await cli('audit', 'verify')).code).toBe(0);
  });
});
