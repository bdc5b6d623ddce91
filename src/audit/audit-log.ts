/**
 * The audit log: every state change, email, card post and update, command and refusal is an
 * append-only event. Each event is chained to the previous one by a SHA-256 hash over its content,
 * so an edited, deleted or inserted row breaks the chain where it happened (see verify-audit.ts).
 */
import { createHash } from 'node:crypto';
import { eq, sql } from '../db/orm.js';
import type { Db, Queryable, Tx } from '../db/client.js';
import { auditEvents, auditHead } from '../db/schema.js';
import { canonicalJson } from './canonical-json.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEventInput {
  /** The acting user's email, or `system` for the service itself. */
  actor: string;
  actorName?: string;
  iteration?: string | null;
  subject: string;
  /** A dotted event type, e.g. `step.start`, `step.refused`, `plan.import`. */
  type: string;
  details?: Record<string, unknown>;
  /** Defaults to now; tests pass a fixed clock. */
  at?: Date;
}

export interface AuditEvent {
  seq: number;
  at: Date;
  actor: string;
  actorName: string;
  iteration: string | null;
  subject: string;
  type: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The hash of an event: over the previous hash and every field but the hash itself. */
export function hashAuditEvent(event: Omit<AuditEvent, 'hash'>): string {
  const content = canonicalJson({
    seq: event.seq,
    at: event.at.toISOString(),
    actor: event.actor,
    actorName: event.actorName,
    iteration: event.iteration,
    subject: event.subject,
    type: event.type,
    details: event.details,
  });
  return createHash('sha256').update(event.prevHash).update('\n').update(content).digest('hex');
}

/**
 * Appends one event inside the caller's transaction. The chain head row is locked until commit,
 * which serialises appends: two transactions can never chain to the same previous event. It takes
 * a transaction, not the database: outside one, the lock would end with its own statement and two
 * appends could chain to the same event (use `recordAuditEvent` for an event on its own).
 */
export async function appendAuditEvent(tx: Tx, input: AuditEventInput): Promise<AuditEvent> {
  const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
  if (!head) throw new Error('audit_head is missing: the database was not migrated');
  // Millisecond precision: PostgreSQL keeps microseconds, and the hash must survive the round trip.
  const at = new Date(Math.floor((input.at ?? new Date()).getTime()));
  const unhashed = {
    seq: head.seq + 1,
    at,
    actor: input.actor,
    actorName: input.actorName ?? '',
    iteration: input.iteration ?? null,
    subject: input.subject,
    type: input.type,
    details: JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>,
    prevHash: head.hash,
  };
  const event: AuditEvent = { ...unhashed, hash: hashAuditEvent(unhashed) };
  await tx.insert(auditEvents).values(event);
  await tx.update(auditHead).set({ seq: event.seq, hash: event.hash }).where(eq(auditHead.id, 1));
  return event;
}

/** Records one event in a transaction of its own (an event that accompanies no other change). */
export function recordAuditEvent(db: Db, input: AuditEventInput): Promise<AuditEvent> {
  return db.transaction((tx) => appendAuditEvent(tx, input));
}

/** Reads events in sequence order, in pages, for verification and export. */
export async function* readAuditEvents(
  db: Queryable,
  options: { iteration?: string; pageSize?: number } = {},
): AsyncGenerator<AuditEvent> {
  const pageSize = options.pageSize ?? 5000;
  let after = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditEvents)
      .where(
        options.iteration === undefined
          ? sql`${auditEvents.seq} > ${after}`
          : sql`${auditEvents.seq} > ${after} and ${auditEvents.iteration} = ${options.iteration}`,
      )
      .orderBy(auditEvents.seq)
      .limit(pageSize);
    for (const row of page) yield { ...row, details: row.details as Record<string, unknown> };
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.seq;
  }
}
