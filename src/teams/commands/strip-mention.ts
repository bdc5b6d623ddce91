/**
 * Turns the `text` of a Teams message activity into the plain command the user typed. In a channel,
 * Teams only delivers messages that @mention the bot, and the mention arrives inside the text as
 * `<at>Runsheet</at>` (with a `mention` entity whose `text` is exactly that tag), followed by the
 * command: `<at>Runsheet</at> hold TRT-12345a waiting for DBA sign-off\n`.
 */

// Tags are matched with bounded lengths so that a hostile message (thousands of unclosed `<at`)
// cannot make the regular expressions backtrack quadratically.
const LEADING_AT_TAG = /^\s*<at(?:\s[^<>]{0,200})?>[^<]{0,200}<\/at>/i;
const ANY_AT_TAG = /<at(?:\s[^<>]{0,200})?>([^<]{0,200})<\/at>/gi;

// The entities Teams uses in message text, and numeric character references. Matched in one pass,
// so `&amp;lt;` becomes the literal `&lt;` (what the user typed), not `<`.
const HTML_ENTITY = /&(?:(nbsp|amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9a-f]{1,6}));/gi;
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

// Zero-width space, word joiner and byte order mark: rich-text editors (and copy-paste from Outlook
// or Word) leave them between words; invisible to the user, they would glue or split words and ids.
// The zero-width (non-)joiners are kept: emoji sequences and some scripts need them.
const INVISIBLE_CHARACTERS = /[\u200B\u2060\uFEFF]/g;

/**
 * Removes the bot's mentions from a message text and returns the command, decoded and tidied.
 *
 * - Every occurrence of each of `mentionTexts` is removed: pass the `text` of the activity's
 *   `mention` entities that mention the bot (`mentioned.id` equal to the recipient id).
 * - Any `<at>…</at>` tags at the very start are removed too, even without an entity: a command
 *   never starts with a person, and this keeps working if the bot is renamed or an entity is lost.
 * - Other people's mentions later in the text keep their name (`waiting for <at>Luca</at>` reads
 *   `waiting for Luca`), since a name is meaningful in a reason.
 * - The HTML entities Teams may send (`&nbsp;`, `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`, and
 *   numeric references generally) are decoded, whitespace is collapsed to single spaces and trimmed.
 */
export function stripBotMention(text: string, mentionTexts: readonly string[]): string {
  let rest = text;
  for (const mention of mentionTexts) {
    if (mention.length > 0) rest = rest.split(mention).join(' ');
  }
  for (let leading = LEADING_AT_TAG.exec(rest); leading; leading = LEADING_AT_TAG.exec(rest)) {
    rest = rest.slice(leading[0].length);
  }
  rest = rest.replace(ANY_AT_TAG, ' $1 ');
  return collapseWhitespace(decodeHtmlEntities(rest));
}

/** Decodes the named entities Teams uses and numeric character references, in one pass. */
export function decodeHtmlEntities(text: string): string {
  return text.replace(HTML_ENTITY, (entity, name?: string, decimal?: string, hex?: string) => {
    if (name !== undefined) return NAMED_ENTITIES[name.toLowerCase()] ?? entity;
    const codePoint = decimal !== undefined ? Number(decimal) : Number.parseInt(hex ?? '', 16);
    // An out-of-range reference would make String.fromCodePoint throw: leave it as typed.
    return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : entity;
  });
}

/**
 * Drops zero-width characters and collapses every run of whitespace (including non-breaking and
 * other Unicode spaces, tabs and line breaks) to one space, then trims.
 */
export function collapseWhitespace(text: string): string {
  return text.replace(INVISIBLE_CHARACTERS, '').replace(/\s+/g, ' ').trim();
}
