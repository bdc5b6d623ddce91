/**
 * Walks the audit chain from the first event and reports every place where it does not hold:
 * an event whose content no longer matches its hash (edited), a gap in the sequence (deleted), an
 * event that does not chain to its predecessor (inserted or reordered), a head that does not match
 * the last event (deleted at the end).
 */
import { eq } from '../db/orm.js';
import type { Queryable } from '../db/client.js';
import { auditHead } from '../db/schema.js';
import { GENESIS_HASH, hashAuditEvent, readAuditEvents } from './audit-log.js';

export interface AuditVerification {
  ok: boolean;
  events: number;
  problems: string[];
}

const MAX_PROBLEMS = 50;

export async function verifyAuditChain(db: Queryable): Promise<AuditVerification> {
  const problems: string[] = [];
  let expectedSeq = 1;
  let previousHash = GENESIS_HASH;
  let count = 0;
  for await (const event of readAuditEvents(db)) {
    count++;
    const label = `event ${event.seq} (${event.type} ${event.subject} at ${event.at.toISOString()})`;
    if (event.seq !== expectedSeq) {
      problems.push(
        event.seq > expectedSeq
          ? `events ${expectedSeq}..${event.seq - 1} are missing: the sequence jumps to ${event.seq} (deleted rows)`
          : `${label} repeats sequence number ${event.seq} (inserted row)`,
      );
    }
    if (event.prevHash !== previousHash) {
      problems.push(`${label} does not chain to the event before it (inserted, deleted or reordered rows)`);
    }
    if (hashAuditEvent(event) !== event.hash) {
      problems.push(`${label} was altered: its content no longer matches its hash`);
    }
    previousHash = event.hash;
    expectedSeq = event.seq + 1;
    if (problems.length >= MAX_PROBLEMS) break;
  }
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  if (
    problems.length < MAX_PROBLEMS &&
    head &&
    (head.seq !== expectedSeq - 1 || head.hash !== previousHash)
  ) {
    problems.push(
      `the chain head records event ${head.seq} but the log ends at event ${expectedSeq - 1} (rows deleted at the end, or head altered)`,
    );
  }
  return { ok: problems.length === 0, events: count, problems };
}
