/**
 * Email templates: placeholders by kind (text escaped, rich sanitised, urls checked), what a
 * template may not contain, the file form pilots edit, the seeds, and the actionable card's JSON
 * inside the mail's head.
 */
import { describe, expect, it } from 'vitest';
import { cardOfMailDocument, composeMailDocument, scriptSafeJson } from '../../src/mail/compose-mail.js';
import {
  escapeHtml,
  placeholdersIn,
  renderMailTemplate,
  templateProblems,
  templateRemovals,
} from '../../src/mail/render-template.js';
import { toOutlookCard } from '../../src/mail/outlook-card.js';
import {
  formatTemplateDocument,
  parseTemplateDocument,
  readSeedTemplates,
  TemplateFileError,
} from '../../src/mail/template-files.js';
import { PLACEHOLDERS, TEMPLATE_NAMES } from '../../src/mail/template-placeholders.js';
import type { AdaptiveCard } from '../../src/teams/cards/render-step-card.js';

const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';

describe('filling a template', () => {
  const template = {
    subject: 'Activate {{step.id}}: {{ step.title }}',
    bodyHtml:
      '<p>{{step.title}} for {{team}}</p>{{step.description}}<p><a href="{{instructionsUrl}}">go</a></p>',
  };

  it('escapes text placeholders in the body, so a <script> in a step title never reaches a mail', () => {
    const mail = renderMailTemplate('activation', template, {
      'step.id': 'TRT-1',
      'step.title': HOSTILE,
      team: 'Engine & <b>Ops</b>',
      'step.description': '<p>ok</p>',
      instructionsUrl: 'https://wiki.bank.example/trt-1',
    });
    expect(mail.bodyHtml).not.toContain('<script');
    expect(mail.bodyHtml).not.toContain('<img');
    expect(mail.bodyHtml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.bodyHtml).toContain('Engine &amp; &lt;b&gt;Ops&lt;/b&gt;');
    expect(mail.bodyHtml).toContain('<a href="https://wiki.bank.example/trt-1">go</a>');
    // The subject is a header: plain text, as typed, on one line.
    expect(mail.subject).toBe(`Activate TRT-1: ${HOSTILE}`);
  });

  it('sanitises rich placeholders with the import sanitiser: formatting kept, scripts and handlers gone', () => {
    const mail = renderMailTemplate('activation', template, {
      'step.title': 'x',
      'step.description':
        '<p onclick="steal()">Run <strong>the job</strong></p><script>alert(1)</script><a href="javascript:alert(3)">x</a>',
    });
    expect(mail.bodyHtml).toContain('<p>Run <strong>the job</strong></p>');
    expect(mail.bodyHtml).not.toMatch(/script|onclick|javascript/i);
  });

  it('drops a non-web address from a url placeholder', () => {
    const mail = renderMailTemplate('activation', template, { instructionsUrl: 'javascript:alert(1)' });
    expect(mail.bodyHtml).toContain('<a>go</a>');
    expect(mail.bodyHtml).not.toContain('javascript');
  });

  it("sanitises the template's own HTML too, and says what a pilot's template loses", () => {
    const hostileTemplate = {
      subject: 'S',
      bodyHtml: '<p>Hi</p><script>alert(1)</script><p onmouseover="x()">y</p>',
    };
    expect(renderMailTemplate('activation', hostileTemplate, {}).bodyHtml).toBe('<p>Hi</p><p>y</p>');
    expect(templateRemovals('activation', hostileTemplate)).toEqual(['<script>', 'onmouseover']);
    expect(templateRemovals('activation', template)).toEqual([]);
  });

  it('puts a value with line breaks on one subject line', () => {
    const mail = renderMailTemplate(
      'activation',
      { subject: '{{step.title}}', bodyHtml: '<p>x</p>' },
      {
        'step.title': 'two\r\nlines\tand  spaces',
      },
    );
    expect(mail.subject).toBe('two lines and spaces');
  });

  it('knows each placeholder once and refuses unknown ones, rich ones in the subject, and empty parts', () => {
    expect(placeholdersIn('{{a}} {{ a }} {{b.c}}')).toEqual(['a', 'b.c']);
    expect(templateProblems('activation', template)).toEqual([]);
    expect(
      templateProblems('activation', {
        subject: 'For {{step.description}}',
        bodyHtml: '<p>{{stepp.id}} {{changes}}</p>',
      }),
    ).toEqual([
      expect.stringMatching(
        /^unknown placeholders \{\{stepp\.id\}\}, \{\{changes\}\} \(the activation template knows \{\{step\.id\}\}/,
      ),
      'the subject is plain text: {{step.description}} can only be used in the body',
    ]);
    expect(templateProblems('status-change', { subject: ' ', bodyHtml: '' })).toEqual([
      'the subject is empty (a <title> element gives it)',
      'the body is empty',
    ]);
  });
});

describe('template files', () => {
  it('reads <title> as the subject and <body> as the body, and writes them back the same', () => {
    const template = parseTemplateDocument(
      '<!doctype html><html><head><title>\n  Go {{step.id}} &amp; more\n</title></head>\n<body>\n    <p>a</p>\n      <p>b</p>\n</body></html>',
      'x.html',
    );
    expect(template).toEqual({ subject: 'Go {{step.id}} & more', bodyHtml: '<p>a</p>\n  <p>b</p>' });
    expect(parseTemplateDocument(formatTemplateDocument(template), 'again')).toEqual(template);
  });

  it('names the file and what is missing', () => {
    expect(() => parseTemplateDocument('<p>no document</p>', 'mine.html')).toThrow(
      new TemplateFileError('mine.html: no <title> (the subject) and no <body>…</body>'),
    );
  });

  it('seeds every template from templates/mail, each using only its own placeholders', () => {
    const seeds = readSeedTemplates();
    expect([...seeds.keys()]).toEqual([...TEMPLATE_NAMES]);
    for (const [name, seed] of seeds) {
      expect(templateProblems(name, seed)).toEqual([]);
      expect(templateRemovals(name, seed)).toEqual([]);
    }
    // Every activation placeholder is documented by the seed's use or the registry, and each is used somewhere.
    const used = placeholdersIn(seeds.get('activation')!.bodyHtml + seeds.get('activation')!.subject);
    expect(used).toEqual(
      expect.arrayContaining(['step.id', 'step.title', 'team', 'iteration', 'plannedStart']),
    );
    expect(PLACEHOLDERS.activation.map((p) => p.name)).toEqual(expect.arrayContaining(used));
  });
});

describe('the card in the mail', () => {
  const card: AdaptiveCard = {
    type: 'AdaptiveCard',
    version: '1.5',
    msteams: { width: 'Full' },
    body: [
      {
        type: 'RichTextBlock',
        inlines: [{ type: 'TextRun', text: '</script><script>alert(1)</script> & \u2028' }],
      },
      {
        type: 'ActionSet',
        actions: [
          {
            type: 'Action.Execute',
            verb: 'step.start',
            data: { step: 'TRT-1', iteration: 'Run1', seen: 'OPEN' },
          },
          { type: 'Action.Execute', verb: 'card.refresh', data: { step: 'TRT-1', iteration: 'Run1' } },
        ],
      },
      {
        type: 'ActionSet',
        actions: [{ type: 'Action.Submit', id: 'activate', data: { msteams: { type: 'task/fetch' } } }],
      },
    ],
  };

  it('writes JSON that cannot end its <script> element, and reads back the same', () => {
    const json = scriptSafeJson(card);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(card);
    const html = composeMailDocument({ bodyHtml: '<p>Hello</p>', card, testBanner: null });
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('<script type="application/adaptivecard+json">{"type":"AdaptiveCard"');
    expect(cardOfMailDocument(html)).toEqual(card);
  });

  it('gives Outlook version 1.4, the originator, an automatic refresh, and no Teams-only parts', () => {
    const outlook = toOutlookCard(card, '2d6e3b1a-0c4b-4f3e-9a51-5f0e7d6c8b9a');
    expect(outlook).toMatchObject({
      type: 'AdaptiveCard',
      version: '1.4',
      originator: '2d6e3b1a-0c4b-4f3e-9a51-5f0e7d6c8b9a',
      refresh: {
        action: { type: 'Action.Execute', verb: 'card.refresh', data: { step: 'TRT-1', iteration: 'Run1' } },
        userIds: [],
      },
    });
    expect(outlook.msteams).toBeUndefined();
    expect(JSON.stringify(outlook)).not.toContain('Action.Submit');
    expect(outlook.body).toHaveLength(2); // the action set left empty is gone
    expect(card.version).toBe('1.5'); // the original is untouched
    expect(toOutlookCard(card, undefined).originator).toBeUndefined();
  });

  it('marks a test-mode mail above its body', () => {
    const html = composeMailDocument({ bodyHtml: '<p>b</p>', card: null, testBanner: 'TEST · <Run1>' });
    expect(html).toContain('TEST · &lt;Run1&gt;</p>\n<p>b</p>');
    expect(cardOfMailDocument(html)).toBeNull();
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
