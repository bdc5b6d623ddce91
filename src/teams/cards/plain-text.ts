/**
 * Rich descriptions (sanitised HTML from the workbook) as one line of plain text, for places that
 * cannot show HTML: an Adaptive Card shows no HTML at all, and a card at 3 a.m. wants one short
 * line per task rather than the planner's formatting.
 */
import sanitizeHtml from 'sanitize-html';

// Tags whose boundaries separate words: without a space there, `<p>Export</p><p>Check</p>`
// would read "ExportCheck".
const BLOCK_BOUNDARY = /<\/?(?:p|br|div|h[1-6]|ul|ol|tr|td|th|pre|table|caption)\b[^>]*>/gi;
const LIST_ITEM = /<li\b[^>]*>/gi;

const TEXT_ONLY: sanitizeHtml.IOptions = {
  allowedTags: [],
  allowedAttributes: {},
  // Their content is code or markup, never words a reader should see.
  nonTextTags: ['script', 'style', 'textarea', 'noscript', 'option'],
};

/**
 * `<p>Export &amp; check</p><ul><li>rows</li></ul>` → `Export & check • rows`: tags removed,
 * entities decoded, block and list boundaries kept as spaces and bullets, whitespace collapsed.
 */
export function htmlToPlainText(html: string): string {
  if (!/[<>&]/.test(html)) return collapseWhitespace(html);
  let text = PLAIN_TEXT_CACHE.get(html);
  if (text === undefined) {
    const spaced = html.replace(BLOCK_BOUNDARY, (tag) => ` ${tag} `).replace(LIST_ITEM, (tag) => ` ${tag}• `);
    text = collapseWhitespace(decodeBasicEntities(sanitizeHtml(spaced, TEXT_ONLY)));
    if (PLAIN_TEXT_CACHE.size >= PLAIN_TEXT_CACHE_SIZE) PLAIN_TEXT_CACHE.clear();
    PLAIN_TEXT_CACHE.set(html, text);
  }
  return text;
}

// Every press renders its step's card again, with the same task descriptions: parsing them cost
// about 0.2 ms of a press's CPU. The text depends on the HTML alone. Bounded to 2,000 descriptions,
// emptied when full rather than tracking use.
const PLAIN_TEXT_CACHE = new Map<string, string>();
const PLAIN_TEXT_CACHE_SIZE = 2_000;

/** Cuts `text` to at most `max` characters, ending with an ellipsis when it was cut. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  // Cut on a code point boundary, so an emoji is never split into a lone surrogate.
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points
    .slice(0, max - 1)
    .join('')
    .trimEnd()}…`;
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * sanitize-html decodes every entity while parsing and re-escapes only these on output; undoing
 * them gives the text back. `&amp;` goes last so `&amp;lt;` stays the literal `&lt;` it was.
 */
function decodeBasicEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
