/**
 * The mail port. Jobs hand a fully rendered message to a transport; the transport delivers it or
 * throws. Two adapters: Microsoft Graph `sendMail` from the cutover mailbox (src/graph), and the
 * local outbox that writes `.eml` files under RUNSHEET_DATA_DIR/outbox (local mode, tests).
 */

/** A message ready to leave: addresses are SMTP addresses, `html` is the whole HTML document. */
export interface OutgoingMail {
  /** The mailbox the message is sent from (its UPN or SMTP address). */
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  /** Complete HTML document; an actionable card sits in its head as application/adaptivecard+json. */
  html: string;
}

/** What the transport learned while sending, for the audit log. */
export interface SentMail {
  /** Graph's `request-id` response header; the outbox file name in local mode. */
  requestId: string | null;
}

export interface MailTransport {
  /** Sends one message. Throws on failure; the job queue retries. */
  send(mail: OutgoingMail): Promise<SentMail>;
}
