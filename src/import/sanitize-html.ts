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

/** Sanitises like `sanitizeRichText` and tells what was lost, so that import can warn about it. */
export function sanitizeRichTextWithReport(html: string): SanitizeReport {
  // Plain text without markup or entities is what sanitising gives back; skip the parser.
  if (!/[<>&]/.test(html)) return { html, changed: false, removed: [] };
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
