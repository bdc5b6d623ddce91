/** SHA-256 of a text (UTF-8) as hex: what the audit log records instead of a mail's or template's body. */
import { createHash } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
