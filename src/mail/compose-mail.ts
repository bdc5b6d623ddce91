/**
 * The HTML document of a mail: the body a template (and perhaps a pilot) wrote, and, for an
 * actionable message, the step card in the head as `<script type="application/adaptivecard+json">`,
 * where Outlook looks for it. Clients without actionable messages show the body alone.
 */
import type { AdaptiveCard } from '../teams/cards/render-step-card.js';

/**
 * JSON that is safe inside a `<script>` element: `<`, `>` and `&` written as `\u003c` escapes, so a
 * `</script>` in a step title can neither end the element nor start a tag; JSON parsers read them
 * back as the same characters. U+2028 and U+2029 are escaped too, for old JavaScript readers.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export interface MailDocumentInput {
  /** Sanitised body HTML (render-template.ts). */
  bodyHtml: string;
  /** The actionable card (outlook-card.ts), or null for a plain mail. */
  card: AdaptiveCard | null;
  /** A line shown above the body in comms mode `test`, or null. */
  testBanner: string | null;
}

/** The complete HTML document of one mail. */
export function composeMailDocument(input: MailDocumentInput): string {
  const card = input.card
    ? `\n    <script type="application/adaptivecard+json">${scriptSafeJson(input.card)}</script>`
    : '';
  const banner = input.testBanner
    ? `\n    <p style="background:#fbf6d9;color:#835c00;padding:6px 10px;font-weight:600">${escapeText(input.testBanner)}</p>`
    : '';
  return `<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />${card}
  </head>
  <body>${banner}
${input.bodyHtml}
  </body>
</html>
`;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Reads the card back out of a mail document, for the dev page and tests; null when it has none. */
export function cardOfMailDocument(html: string): AdaptiveCard | null {
  const match = /<script type="application\/adaptivecard\+json">([\s\S]*?)<\/script>/.exec(html);
  return match ? (JSON.parse(match[1]!) as AdaptiveCard) : null;
}
