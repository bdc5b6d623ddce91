/**
 * The Graph adapter of the mail port: `POST /users/{mailbox}/sendMail` from the cutover mailbox
 * (RUNSHEET_MAILBOX), HTML body, saved to Sent Items. Graph answers 202 Accepted with no body; the
 * `request-id` of that answer is what the audit records.
 *
 * Duplicates: sendMail has no idempotency key, so a request that Graph may have acted on is never
 * sent again by this transport. 429 and 503 are retried (Graph refused without acting); a 504, a
 * timeout or a connection lost after the request left end the call with a GraphRequestError whose
 * code is `outcome-unknown` ({@link mayHaveBeenSent} says so). Whoever called decides: the mail job can
 * retry (a duplicate activation mail beats a missing one) and say so in the audit, or stop and
 * ask a pilot. A definite refusal (`rejected`, `not-found`: the mailbox is wrong or the
 * application access policy does not allow it) will not succeed when repeated.
 */
import type { MailTransport, OutgoingMail, SentMail } from '../mail/mail-transport.js';
import { GraphRequestError, type GraphApi } from './graph-api.js';

/** Raised before anything is sent, when the message cannot be sent from this transport as it is. */
export class MailNotSendableError extends Error {
  readonly code = 'mail-not-sendable';
  constructor(message: string) {
    super(message);
    this.name = 'MailNotSendableError';
  }
}

/** The JSON body of sendMail for one message. */
export function sendMailPayload(mail: OutgoingMail) {
  const recipients = (addresses: readonly string[]) =>
    addresses.map((address) => ({ emailAddress: { address } }));
  return {
    message: {
      subject: mail.subject,
      body: { contentType: 'HTML', content: mail.html },
      toRecipients: recipients(mail.to),
      ccRecipients: recipients(mail.cc),
    },
    saveToSentItems: true,
  };
}

/** Whether a failed send may nevertheless have reached Graph (and so the recipients). */
export function mayHaveBeenSent(error: unknown): boolean {
  return error instanceof GraphRequestError && error.code === 'outcome-unknown';
}

export class GraphMailTransport implements MailTransport {
  constructor(
    private readonly api: GraphApi,
    /** RUNSHEET_MAILBOX: the only mailbox this transport sends from. */
    private readonly mailbox: string,
  ) {}

  async send(mail: OutgoingMail): Promise<SentMail> {
    if (mail.from.trim().toLowerCase() !== this.mailbox.toLowerCase()) {
      throw new MailNotSendableError(
        `mail from "${mail.from}" cannot be sent: Graph sends only from RUNSHEET_MAILBOX (${this.mailbox})`,
      );
    }
    if (mail.to.length + mail.cc.length === 0) {
      throw new MailNotSendableError(`mail "${mail.subject}" has no recipients`);
    }
    const { requestId } = await this.api.post(
      `/users/${encodeURIComponent(this.mailbox)}/sendMail`,
      sendMailPayload(mail),
    );
    return { requestId };
  }
}
