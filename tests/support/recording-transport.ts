/** A mail transport that keeps what it is given, as a nock on Graph's sendMail would: tests read `sent`. */
import type { MailTransport, OutgoingMail, SentMail } from '../../src/mail/mail-transport.js';

export class RecordingTransport implements MailTransport {
  readonly sent: OutgoingMail[] = [];

  constructor(private readonly prefix = 'request') {}

  async send(mail: OutgoingMail): Promise<SentMail> {
    this.sent.push(mail);
    return { requestId: `${this.prefix}-${this.sent.length}` };
  }
}
