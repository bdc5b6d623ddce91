import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/import/problems.js';
import { readPlanWorkbook } from '../../src/import/read-plan.js';
import fc from 'fast-check';
import {
  isSanitizedForm,
  sanitizeParsed,
  sanitizeRichText,
  sanitizeRichTextWithReport,
} from '../../src/import/sanitize-html.js';
import { NO_REGISTERED_TYPES, buildWorkbook, validWorkbookRows } from '../fixtures/import/plan-builders.js';

describe('sanitizeRichText', () => {
  it('keeps common formatting as it is', () => {
    const html =
      '<h2>Steps</h2><p>Run <b>this</b>, <i>then</i> <strong>that</strong> <em>now</em> <u>here</u><br />' +
      '<span>and</span> <code>ERR-1</code></p><pre>ls -l</pre><ol><li>one</li></ol><ul><li>two</li></ul>' +
      '<table><thead><tr><th colspan="2">a</th></tr></thead><tbody><tr><td>b</td><td>c</td></tr></tbody></table>' +
      '<p><a href="https://wiki.example/x?a=1&amp;b=2">wiki</a> <a href="mailto:ops@bank.example">mail</a></p>';
    expect(sanitizeRichText(html)).toBe(html);
  });

  it('drops scripts, styles, event handlers and links that are not http, https or mailto', () => {
    expect(sanitizeRichText('<p onclick="steal()">Hi<script>alert(1)</script></p>')).toBe('<p>Hi</p>');
    expect(sanitizeRichText('<style>p { display: none }</style><p style="color: red">Hi</p>')).toBe(
      '<p>Hi</p>',
    );
    expect(sanitizeRichText('<a href="javascript:alert(1)">x</a>')).toBe('<a>x</a>');
    expect(sanitizeRichText('<a href=" java\tscript:alert(1)">x</a>')).toBe('<a>x</a>');
    expect(sanitizeRichText('<a href="/relative">x</a><a href="//host/x">y</a>')).toBe('<a>x</a><a>y</a>');
    expect(
      sanitizeRichText('<img src="x" onerror="alert(1)"><iframe src="https://evil.example"></iframe>ok'),
    ).toBe('ok');
  });

  it('reports what it removed, and not a mere respelling', () => {
    expect(sanitizeRichTextWithReport('<p>a & b<br></p><!-- note -->')).toEqual({
      html: '<p>a &amp; b<br /></p>',
      changed: false,
      removed: [],
    });
    expect(sanitizeRichTextWithReport('<a href="javascript:y()">z</a>')).toEqual({
      html: '<a>z</a>',
      changed: true,
      removed: ['link javascript:y()'],
    });
    expect(
      sanitizeRichTextWithReport(
        '<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:y()">z</a></p>',
      ),
    ).toEqual({
      html: '<p>Hi<a>z</a></p>',
      changed: true,
      removed: ['onclick', '<script>', 'link javascript:y()'],
    });
  });
});

describe('descriptions on import', () => {
  it('are sanitised with a warning at their cell, so that nothing is lost silently', async () => {
    const sheets = validWorkbookRows();
    sheets.Steps![1]![7] = '<p onclick="steal()">Stop it.<script>alert(1)</script></p>';
    sheets.Tasks![1]![1] = '<p>Stop <a href="javascript:alert(1)">jobs</a>.</p>';
    sheets.Controls![1]![4] = '<p>Compare<br>counts &amp; sums.</p>';

    const result = await readPlanWorkbook(await buildWorkbook(sheets), NO_REGISTERED_TYPES);

    expect(result.problems.map(formatProblem)).toEqual([
      'Steps!2:Description "<p onclick="steal()">Stop it.<script>alert(1)</script></p>" — unsafe HTML removed: onclick, <script>',
      'Tasks!2:Description "<p>Stop <a href="javascript:alert(1)">jobs</a>.</p>" — unsafe HTML removed: link javascript:alert(1)',
    ]);
    expect(result.problems.map((problem) => problem.severity)).toEqual(['warning', 'warning']);
    expect(result.plan!.steps[0]!.description).toBe('<p>Stop it.</p>');
    expect(result.plan!.tasks[0]!.description).toBe('<p>Stop <a>jobs</a>.</p>');
    expect(result.plan!.controls[0]!.description).toBe('<p>Compare<br />counts &amp; sums.</p>');
  });
});

describe('the sanitised form, which import does not parse again', () => {
  // Fragments of descriptions: simple well-formed markup, and everything that is not in the
  // sanitised form (attributes, void and table tags, entities, stray characters, comments).
  const simpleTag = fc.constantFrom(...'p b i strong em u ul ol li code span h1 h4'.split(' '));
  const text = fc.constantFrom('Run the job', ' ', '\n', 'é ✓', 'a &amp; b', '&lt;x&gt;', '"q"', "it's", '');
  const { tree } = fc.letrec<{ tree: string }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.constant('<br />'),
      fc
        .tuple(simpleTag, fc.array(tie('tree'), { maxLength: 4 }))
        .map(([tag, children]) => `<${tag}>${children.join('')}</${tag}>`),
    ),
  }));
  const noise = fc.constantFrom(
    '<br>', '<p class="x">', '</p>', '<li>', '<p>', '<a>', '<a href="https://x.example">', '</a>', '<table>',
    '<td>', '</td>', '<tr>', '<P>', '<script>', '</script>', '<!-- c -->', '&nbsp;', '&quot;', '&', '<', '>',
    '&#60;', '\u0000', '\r', '<pre>', '</pre>', '<h2>', '</h1>',
  ); // prettier-ignore
  const html = fc
    .array(fc.oneof({ weight: 4, arbitrary: tree }, { weight: 1, arbitrary: noise }), { maxLength: 6 })
    .map((parts) => parts.join(''));

  it('is exactly the text that sanitize-html gives back unchanged', () => {
    let recognised = 0;
    fc.assert(
      fc.property(html, (candidate) => {
        if (!isSanitizedForm(candidate)) return;
        recognised++;
        expect(sanitizeParsed(candidate)).toEqual({ html: candidate, changed: false, removed: [] });
      }),
      { numRuns: 3000, seed: 7 },
    );
    // Not vacuous: a good share of the samples take the fast path.
    expect(recognised).toBeGreaterThan(500);
  });

  it('sends everything else through the parser', () => {
    for (const html of [
      '<p>a<br></p>',
      '<p>a & b</p>',
      '<p><ul><li>x</li></ul></p>',
      '<li>a<li>b</li></li>',
      '<p>a',
    ]) {
      expect(isSanitizedForm(html)).toBe(false);
    }
    expect(isSanitizedForm('<p>Run <b>it</b> &amp; log<br /></p><ul><li><p>x</p></li></ul>')).toBe(true);
  });
});
