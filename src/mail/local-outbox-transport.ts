/**
 * The mail port's local adapter: each message becomes an RFC 5322 `.eml` file (built by nodemailer's
 * MailComposer: MIME headers, UTF-8 subject, the HTML part) in RUNSHEET_DATA_DIR/outbox. Local mode
 * and deployments without Microsoft Graph use it; the dev page at /dev lists and opens the files.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { MailTransport, OutgoingMail, SentMail } from './mail-transport.js';

/** The outbox folder under the data directory. */
export const outboxFolder = (dataDir: string) => path.join(dataDir, 'outbox');

export class LocalOutboxTransport implements MailTransport {
  constructor(
    readonly folder: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Writes the message as `<time>-<random>.eml` (sortable by time); the file name is the request id. */
  async send(mail: OutgoingMail): Promise<SentMail> {
    const now = this.clock();
    const id = `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`;
    const message = await new MailComposer({
      from: mail.from,
      to: mail.to,
      cc: mail.cc,
      subject: mail.subject,
      html: mail.html,
      date: now,
      messageId: `<${id}@runsheet.local>`,
      headers: { 'X-Runsheet-Outbox': id },
    })
      .compile()
      .build();
    await fs.promises.mkdir(this.folder, { recursive: true });
    const file = path.join(this.folder, `${id}.eml`);
    // Written aside then renamed, so the dev page never reads half a message.
    await fs.promises.writeFile(`${file}.part`, message);
    await fs.promises.rename(`${file}.part`, file);
    return { requestId: `${id}.eml` };
  }
}
