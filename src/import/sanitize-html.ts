/**
 * Rich descriptions (steps, tasks, controls) are HTML written by planners and shown in Teams
 * cards, Outlook and the planner. Only common formatting survives: no scripts, no styles, no event
 * handlers, and links only to http, https or mailto addresses.
 */
import sanitizeHtml from 'sanitize-html';

const ALLOWED_TAGS = [
  'p', 'br', 'b', 'i', 'strong', 'em', 'u', 'ul', 'ol', 'li', 'a', 'code', 'pre',
  'h1', 'h2', 'h3', 'h4',
  'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td',
  'span',
]; // prettier-ignore

const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  a: ['href'],
  th: ['colspan', 'rowspan'],
  td: ['colspan', 'rowspan'],
};

// Browsers ignore ASCII whitespace and control characters inside a URL scheme
// (`java\tscript:`), so they are removed before the scheme is checked.
const IGNORED_IN_SCHEME = /[\u0000-\u0020\u007f]/g; // eslint-disable-line no-control-regex
const ALLOWED_LINK = /^(https?|mailto):/i;

function isAllowedLink(href: string): boolean {
  return ALLOWED_LINK.test(href.replace(IGNORED_IN_SCHEME, ''));
}

function options(
  onOpenTag?: (tag: string, attributes: Record<string, string>) => void,
): sanitizeHtml.IOptions {
  return {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: {},
    allowProtocolRelative: false,
    // sanitize-html lets relative links through; a card or an email has nothing to resolve them
    // against, so only absolute http(s) and mailto links are kept.
    transformTags: {
      a: (tagName, attribs) => {
        const { href, ...rest } = attribs;
        return { tagName, attribs: href !== undefined && isAllowedLink(href) ? { ...rest, href } : rest };
      },
    },
    ...(onOpenTag ? { onOpenTag } : {}),
  };
}

/** Sanitises a rich description: common formatting kept, anything executable removed. */
export function sanitizeRichText(html: string): string {
  return sanitizeRichTextWithReport(html).html;
}

export interface SanitizeReport {
  /** The sanitised HTML, as `sanitizeRichText` gives it. */
  html: string;
  /** True when sanitising removed something, beyond normalising how the HTML is spelled. */
  changed: boolean;
  /** What was removed, for the warning: `<script>`, `onclick`, `link javascript:alert(1)`. */
  removed: string[];
}

// Tags of the fast path below: allowed, never written with attributes, and none of them void
// (`<br />` is matched on its own) or subject to htmlparser2's table rules.
const SIMPLE_TAGS = new Set([
  'p',
  'b',
  'i',
  'strong',
  'em',
  'u',
  'ul',
  'ol',
  'li',
  'code',
  'span',
  'h1',
  'h2',
  'h3',
  'h4',
]);
const HEADINGS_AND_P = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p'];
/** The open elements that htmlparser2 closes when a tag opens (its `openImpliesClose`). */
const OPENING_CLOSES: Record<string, readonly string[]> = {
  p: ['p'],
  li: ['li'],
  ul: ['p'],
  ol: ['p'],
  h1: HEADINGS_AND_P,
  h2: HEADINGS_AND_P,
  h3: HEADINGS_AND_P,
  h4: HEADINGS_AND_P,
};
const ENTITIES_KEPT = ['&amp;', '&lt;', '&gt;'];
const BR = '<br />';

/**
 * Whether `html` is already in the form sanitising gives back: only simple tags without
 * attributes, each closed in order, text with no markup characters but `&amp;`, `&lt;` and
 * `&gt;`. `sanitize-html` returns such text unchanged (a property test checks it against the
 * library), so it is not parsed. This is what the writer and most planners write, and it
 * matters for memory: each `sanitize-html` call keeps its whole parser state alive until V8's
 * next full collection (it constructs per-call `Frame` objects), about 4 KB a call, which took
 * the import of 78,000 descriptions from ~300 MB to over 600 MB (docs/performance.md). The scan
 * allocates nothing but the tag names.
 */
export function isSanitizedForm(html: string): boolean {
  const open: string[] = [];
  for (let at = 0; at < html.length; at++) {
    const char = html[at];
    if (char === '&') {
      if (!ENTITIES_KEPT.some((entity) => html.startsWith(entity, at))) return false;
    } else if (char === '<') {
      if (html.startsWith(BR, at)) {
        at += BR.length - 1;
        continue;
      }
      const end = html.indexOf('>', at);
      if (end < 0) return false;
      const closing = html[at + 1] === '/';
      const tag = html.slice(closing ? at + 2 : at + 1, end);
      if (!SIMPLE_TAGS.has(tag)) return false;
      if (closing) {
        if (open.pop() !== tag) return false;
      } else {
        const top = open[open.length - 1];
        if (top !== undefined && OPENING_CLOSES[tag]?.includes(top)) return false;
        open.push(tag);
      }
      at = end;
    } else if (char === '>' || char === '\0' || char === '\r') {
      return false;
    }
  }
  return open.length === 0;
}

/** Sanitises like `sanitizeRichText` and tells what was lost, so that import can warn about it. */
export function sanitizeRichTextWithReport(html: string): SanitizeReport {
  // Plain text without markup or entities is what sanitising gives back; skip the parser.
  if (!/[<>&]/.test(html) || isSanitizedForm(html)) return { html, changed: false, removed: [] };
  return sanitizeParsed(html);
}

/** Sanitises through the parser, whatever the text: `sanitizeRichTextWithReport` without its shortcuts. */
export function sanitizeParsed(html: string): SanitizeReport {
  const removed = new Set<string>();
  const clean = sanitizeHtml(
    html,
    options((tag, attributes) => {
      if (!ALLOWED_TAGS.includes(tag)) {
        removed.add(`<${tag}>`);
        return;
      }
      const allowed = ALLOWED_ATTRIBUTES[tag] ?? [];
      for (const [name, value] of Object.entries(attributes)) {
        if (!allowed.includes(name)) removed.add(name);
        else if (tag === 'a' && name === 'href' && !isAllowedLink(value)) removed.add(`link ${value}`);
      }
    }),
  );
  // Every removal passes through onOpenTag (a tag, an attribute, a link), so what it recorded is
  // the whole answer: no second parse is needed to tell a removal from a harmless rewrite.
  return { html: clean, changed: removed.size > 0, removed: [...removed] };
}
