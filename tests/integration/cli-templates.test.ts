/**
 * `runsheet template …` as a pilot uses it: list the seeded templates, show one as a file, edit it
 * (refused for a non-pilot and for an unknown placeholder, both audited), preview it against a step,
 * and see that a later seed never overwrites the edit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { sql } from '../../src/db/orm.js';
import { seedEmailTemplates } from '../../src/mail/template-store.js';
import { ROOT, useCliEnv } from '../support/cli-env.js';

const walk = useCliEnv('runsheet-cli-templates-');
const { cli } = walk;

describe('runsheet template', () => {
  it('lists, shows, edits, refuses and previews templates', { timeout: 120_000 }, async () => {
    expect((await cli('import', path.join(ROOT, 'samples/demo-runsheet.json'))).code).toBe(0);

    const list = await cli('template', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toContain('activation     as seeded from templates/mail');
    expect(list.out).toContain('status-change  as seeded from templates/mail');

    const shown = await cli('template', 'show', 'activation');
    expect(shown.out).toContain(
      '<title>[Runsheet] {{iteration}} · {{step.id}} is yours to start: {{step.title}}</title>',
    );
    const file = path.join(walk.tmp, 'activation.html');
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
    const typo = path.join(walk.tmp, 'typo.html');
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
          path.join(walk.tmp, 'missing.html'),
          '--as',
          'claire.pilot@bank.example',
        )
      ).err,
    ).toBe(`runsheet: ${path.join(walk.tmp, 'missing.html')}: no such file`);

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
    await walk.withDatabase(async (db) => {
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
    });
    expect((await cli('audit', 'verify')).code).toBe(0);
  });
});
