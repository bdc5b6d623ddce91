/**
 * GraphMailTransport against nock: the exact sendMail request from the cutover mailbox, Graph's
 * request id handed back for the audit, 429 retried, and no second send after an answer that
 * leaves open whether Graph acted (504, timeout).
 */
import { describe, expect, it } from 'vitest';
import { GraphRequestError } from '../../src/graph/graph-api.js';
import { MailNotSendableError, mayHaveBeenSent } from '../../src/graph/graph-mail-transport.js';
import { createGraphServices } from '../../src/graph/graph-services.js';
import type { OutgoingMail } from '../../src/mail/mail-transport.js';
import {
  MAILBOX,
  capturedLogger,
  graphConfig,
  graphEdge,
  recordedSleep,
  tokenEdge,
  useGraphEdges,
} from '../support/graph-edges.js';

const SEND_PATH = '/v1.0/users/cutover%40bank.example/sendMail';
const CARD = '{"type":"AdaptiveCard","version":"1.5","originator":"orig-1","body":[]}';
const HTML = `<html><head><script type="application/adaptivecard+json">${CARD}</script></head><body><p>TRT-1 &amp; co</p></body></html>`;
const MAIL: OutgoingMail = {
  from: MAILBOX,
  to: ['luca.engine@bank.example', 'anna.engine@bank.example'],
  cc: ['claire.pilot@bank.example'],
  subject: 'Activate TRT-1: stop the payment engine',
  html: HTML,
};

useGraphEdges();

function transport(retry: { timeoutMs?: number } = {}) {
  const { logger, lines } = capturedLogger();
  const { sleep, waits } = recordedSleep();
  const services = createGraphServices(graphConfig(), logger, {
    teamGroups: async () => [],
    retry: { sleep, random: () => 1, ...retry },
  });
  return { mail: services.mailTransport, lines, waits };
}

describe('GraphMailTransport', () => {
  it("posts the exact sendMail body from RUNSHEET_MAILBOX and returns Graph's request id", async () => {
    tokenEdge();
    let body: unknown;
    graphEdge()
      .post(SEND_PATH, (sent) => {
        body = sent;
        return true;
      })
      .matchHeader('authorization', 'Bearer graph-access-token-1')
      .matchHeader('content-type', /application\/json/)
      .reply(202, '', { 'request-id': 'rid-sent-1' });
    const { mail, lines } = transport();

    await expect(mail.send(MAIL)).resolves.toEqual({ requestId: 'rid-sent-1' });

    expect(body).toEqual({
      message: {
        subject: 'Activate TRT-1: stop the payment engine',
        body: { contentType: 'HTML', content: HTML },
        toRecipients: [
          { emailAddress: { address: 'luca.engine@bank.example' } },
          { emailAddress: { address: 'anna.engine@bank.example' } },
        ],
        ccRecipients: [{ emailAddress: { address: 'claire.pilot@bank.example' } }],
      },
      saveToSentItems: true,
    });
    expect(lines.find((line) => line.msg === 'graph call')).toMatchObject({
      level: 30,
      method: 'POST',
      path: SEND_PATH,
      status: 202,
      requestId: 'rid-sent-1',
    });
  });

  it('sends again after a 429, when Graph has certainly not sent it', async () => {
    tokenEdge();
    graphEdge()
      .post(SEND_PATH)
      .reply(
        429,
        {
          error: {
            code: 'ApplicationThrottled',
            message: 'Application is over its MailboxConcurrency limit.',
          },
        },
        {
          'Retry-After': '3',
        },
      )
      .post(SEND_PATH)
      .reply(202, '', { 'request-id': 'rid-after-429' });
    const { mail, waits } = transport();

    await expect(mail.send(MAIL)).resolves.toEqual({ requestId: 'rid-after-429' });
    expect(waits).toEqual([3000]);
  });

  it('does not send again after a 504: the error says Graph may have sent it', async () => {
    tokenEdge();
    graphEdge().post(SEND_PATH).reply(504, '', { 'request-id': 'rid-504' });
    const { mail, waits } = transport();

    const error = await mail.send(MAIL).catch((e: unknown) => e);

    expect(waits).toEqual([]);
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({ code: 'outcome-unknown', status: 504, requestId: 'rid-504', attempts: 1 });
    expect(mayHaveBeenSent(error)).toBe(true);
    expect((error as Error).message).toContain('Graph may have acted on it');
  });

  it('does not send again after a timeout either', async () => {
    tokenEdge();
    graphEdge().post(SEND_PATH).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const { mail } = transport({ timeoutMs: 100 });

    const error = await mail.send(MAIL).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'outcome-unknown', status: 0, attempts: 1 });
    expect(mayHaveBeenSent(error)).toBe(true);
  });

  it('reports a mailbox the access policy does not allow as a refusal, not as maybe-sent', async () => {
    tokenEdge();
    graphEdge()
      .post(SEND_PATH)
      .reply(
        403,
        {
          error: {
            code: 'ErrorAccessDenied',
            message:
              'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
          },
        },
        {
          'request-id': 'rid-403',
        },
      );
    const { mail } = transport();

    const error = await mail.send(MAIL).catch((e: unknown) => e);

    expect(error).toMatchObject({
      code: 'rejected',
      status: 403,
      graphCode: 'ErrorAccessDenied',
      requestId: 'rid-403',
    });
    expect(mayHaveBeenSent(error)).toBe(false);
  });

  it('sends nothing from another mailbox, or to nobody', async () => {
    const { mail } = transport();
    await expect(mail.send({ ...MAIL, from: 'someone.else@bank.example' })).rejects.toThrow(
      MailNotSendableError,
    );
    await expect(mail.send({ ...MAIL, to: [], cc: [] })).rejects.toThrow('has no recipients');
  });
});
