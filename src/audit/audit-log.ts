/**
 * The audit log: every state change, email, card post and update, command and refusal is an
 * append-only event. Each event is chained to the previous one by a SHA-256 hash over its content,
 * so an edited, deleted or inserted row breaks the chain where it happened (see verify-audit.ts).
 */
import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { sql } from '../db/orm.js';
import type { Db, Queryable, Tx } from '../db/client.js';
import { PreparedStatement } from '../db/prepared.js';
import { auditEvents } from '../db/schema.js';
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
  return createHash('sha256').update(event.prevHash).update('\n').update(hashedContent(event)).digest('hex');
}

/** What the hash covers after the previous hash: the event's fields as canonical JSON. */
function hashedContent(event: Omit<AuditEvent, 'hash' | 'prevHash'>): string {
  return canonicalJson({
    seq: event.seq,
    at: event.at.toISOString(),
    actor: event.actor,
    actorName: event.actorName,
    iteration: event.iteration,
    subject: event.subject,
    type: event.type,
    details: event.details,
  });
}

/**
 * The canonical text of an event's content around its sequence number, which only the database
 * knows when the event is appended: `before + seq + after` is what `hashAuditEvent` hashes (after
 * the previous hash and a newline). Only `subject` and `type` follow the top-level `seq`, and as
 * JSON strings they cannot hold `"seq":0,` (a quote inside is escaped), so its last occurrence is
 * the top-level one; a `seq` key in the details comes before it.
 */
export function hashContentAroundSeq(event: Omit<AuditEvent, 'hash' | 'seq' | 'prevHash'>): {
  before: string;
  after: string;
} {
  const text = hashedContent({ ...event, seq: 0 });
  const at = text.lastIndexOf('"seq":0,');
  // before ends with `"seq":`, after starts with the comma.
  return { before: text.slice(0, at + '"seq":'.length), after: text.slice(at + '"seq":0'.length) };
}

/**
 * The event as stored: millisecond precision (PostgreSQL keeps microseconds, and the hash must
 * survive the round trip), details as plain JSON.
 */
function eventContent(input: AuditEventInput): Omit<AuditEvent, 'hash' | 'seq' | 'prevHash'> {
  return {
    at: new Date(Math.floor((input.at ?? new Date()).getTime())),
    actor: input.actor,
    actorName: input.actorName ?? '',
    iteration: input.iteration ?? null,
    subject: input.subject,
    type: input.type,
    details: JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>,
  };
}

/**
 * The common table expressions that append one event in a single statement: `audit_prev` locks
 * the chain head (the lock lasts until the statement's transaction ends), `audit_event` holds the
 * new sequence number, the previous hash and the new hash (SHA-256 over the same text as
 * `hashAuditEvent`, computed by PostgreSQL), `audit_appended` inserts the event and `audit_moved`
 * moves the head. A caller adds its own expressions after these (see `Engine`'s record, which
 * enqueues the change's jobs in the same statement) and reads `audit_event`. The values are
 * placeholders, filled from `auditAppendValues`: the text never changes, so it can be prepared.
 */
export const AUDIT_APPEND_CTES: SQL = sql`audit_prev as (select seq, hash from audit_head where id = 1 for update),
    audit_event as (
      select p.seq + 1 as seq, p.hash as prev_hash,
        encode(sha256(convert_to(p.hash || chr(10) || ${sql.placeholder('before')}::text || (p.seq + 1)::text || ${sql.placeholder('after')}::text, 'UTF8')), 'hex') as hash
      from audit_prev p),
    audit_appended as (
      insert into audit_events (seq, at, actor, actor_name, iteration, subject, type, details, prev_hash, hash)
      select e.seq, ${sql.placeholder('at')}::timestamptz, ${sql.placeholder('actor')}::text, ${sql.placeholder('actorName')}::text,
        ${sql.placeholder('iteration')}::text, ${sql.placeholder('subject')}::text, ${sql.placeholder('type')}::text,
        ${sql.placeholder('details')}::jsonb, e.prev_hash, e.hash
      from audit_event e
      returning seq),
    audit_moved as (
      update audit_head set seq = e.seq, hash = e.hash from audit_event e where audit_head.id = 1
      returning audit_head.seq)`;

/** The values of `AUDIT_APPEND_CTES`' placeholders for one event. */
export interface AuditAppendValues extends Record<string, unknown> {
  before: string;
  after: string;
  at: string;
  actor: string;
  actorName: string;
  iteration: string | null;
  subject: string;
  type: string;
  details: string;
}

/** The placeholder values that append `input`, and the event's content as it will be stored. */
export function auditAppendValues(input: AuditEventInput): {
  values: AuditAppendValues;
  content: ReturnType<typeof eventContent>;
} {
  const content = eventContent(input);
  const { before, after } = hashContentAroundSeq(content);
  const values: AuditAppendValues = {
    before,
    after,
    at: content.at.toISOString(),
    actor: content.actor,
    actorName: content.actorName,
    iteration: content.iteration,
    subject: content.subject,
    type: content.type,
    details: JSON.stringify(content.details),
  };
  return { values, content };
}

const appendStatement = new PreparedStatement<AuditAppendValues, AppendedRow>(
  'audit.append',
  () => sql`with ${AUDIT_APPEND_CTES} select seq, prev_hash, hash from audit_event`,
);

/** What a statement built on `AUDIT_APPEND_CTES` reads back. */
export interface AppendedRow {
  seq: number | string;
  prev_hash: string;
  hash: string;
}

/** Reads back the appended event of a statement built on `auditAppendCtes`. */
export function appendedEvent(
  content: ReturnType<typeof eventContent>,
  row: AppendedRow | undefined,
): AuditEvent {
  if (!row) throw new Error('audit_head is missing: the database was not migrated');
  return { ...content, seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash };
}

/**
 * Appends one event inside the caller's transaction, in one statement (see `auditAppendCtes`).
 * The chain head row is locked until commit, which serialises appends: two transactions can never
 * chain to the same previous event. It takes a transaction, not the database, because the event
 * belongs to the transaction's change (use `recordAuditEvent` for an event on its own).
 */
export async function appendAuditEvent(tx: Tx, input: AuditEventInput): Promise<AuditEvent> {
  return appendInOneStatement(tx, input);
}

async function appendInOneStatement(db: Queryable, input: AuditEventInput): Promise<AuditEvent> {
  const { values, content } = auditAppendValues(input);
  const [row] = await appendStatement.rows(db, values);
  return appendedEvent(content, row);
}

/**
 * Records one event that accompanies no other change. The append is one statement, so it is atomic
 * on its own: the lock on the chain head lasts until that statement commits.
 */
export function recordAuditEvent(db: Db, input: AuditEventInput): Promise<AuditEvent> {
  return appendInOneStatement(db, input);
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
