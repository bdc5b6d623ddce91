/**
 * Local mode's mailbox: what the local outbox transport wrote to RUNSHEET_DATA_DIR/outbox, read
 * back as a mail client would (mailparser reads the `.eml` files), for the dev page. The page shows
 * each mail with its actionable card, whose buttons post Outlook-channel invokes to /api/messages.
 *
 * Routes (local mode only):
 * - `GET /dev/api/outbox`: the mails, newest first (headers only);
 * - `GET /dev/api/outbox/:file`: one mail: headers, its HTML and its card.
 */
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import type restify from 'restify';
import type { Logger } from '../../logger.js';
import { cardOfMailDocument } from '../../mail/compose-mail.js';
import { outboxFolder } from '../../mail/local-outbox-transport.js';

export interface OutboxMail {
  id: string;
  subject: string;
  from: string;
  to: string[];
  cc: string[];
  date: string;
  html: string;
  card: unknown;
}

const FILE_NAME = /^[\w.-]+\.eml$/;

const addressList = (value: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((group) =>
    group.value.map((entry) => entry.address ?? entry.name),
  );

/** Reads one `.eml` file of the outbox as the dev page shows it. */
export async function readOutboxMail(folder: string, id: string): Promise<OutboxMail> {
  const parsed = await simpleParser(await fs.promises.readFile(path.join(folder, id)));
  const html = typeof parsed.html === 'string' ? parsed.html : '';
  return {
    id,
    subject: parsed.subject ?? '',
    from: addressList(parsed.from)[0] ?? '',
    to: addressList(parsed.to),
    cc: addressList(parsed.cc),
    date: (parsed.date ?? new Date(0)).toISOString(),
    html,
    card: cardOfMailDocument(html),
  };
}

/** Mounts the outbox routes; call only in local mode. */
export function mountDevOutbox(server: restify.Server, options: { dataDir: string; logger: Logger }): void {
  const folder = outboxFolder(options.dataDir);
  // Files never change once written: each is parsed once.
  const cache = new Map<string, OutboxMail>();
  const read = async (id: string) => {
    let mail = cache.get(id);
    if (!mail) {
      mail = await readOutboxMail(folder, id);
      cache.set(id, mail);
    }
    return mail;
  };

  server.get('/dev/api/outbox', async (_req, res) => {
    let files: string[] = [];
    try {
      files = (await fs.promises.readdir(folder)).filter((file) => FILE_NAME.test(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const mails = [];
    for (const file of files.sort().reverse()) {
      try {
        const { html: _html, card, ...headers } = await read(file);
        mails.push({ ...headers, hasCard: card !== null });
      } catch (error) {
        options.logger.warn({ err: error, file }, 'dev outbox: a mail could not be read');
      }
    }
    res.json(200, { folder, mails });
  });

  server.get('/dev/api/outbox/:file', async (req, res) => {
    const id = String(req.params?.file ?? '');
    if (!FILE_NAME.test(id)) {
      res.json(400, { error: 'expected the name of an .eml file of the outbox' });
      return;
    }
    try {
      res.json(200, await read(id));
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      res.json(missing ? 404 : 500, {
        error: missing ? `no mail ${id} in the outbox` : (error as Error).message,
      });
    }
  });
}
